//! docker-compose.yml cannot run here (no Docker engine), so it is checked statically: every
//! service it names exists as intended and every GPMALL_* variable it sets is one the binary reads.

use serde_yaml::Value;

#[test]
fn compose_file_matches_the_binary() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml"))
        .unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    let services = doc["services"].as_mapping().expect("services");
    let names: Vec<&str> = services.keys().filter_map(|k| k.as_str()).collect();
    for expected in ["postgres", "redis", "gpmall-1", "gpmall-2", "lb"] {
        assert!(
            names.contains(&expected),
            "service {expected} missing: {names:?}"
        );
    }
    let known = gpmall::config::environment_variables();
    for (name, service) in services {
        let name = name.as_str().unwrap();
        assert!(
            service["healthcheck"].is_mapping(),
            "{name} has no health check"
        );
        if let Some(environment) = service["environment"].as_mapping() {
            for key in environment.keys().filter_map(|k| k.as_str()) {
                if key.starts_with("GPMALL_") {
                    assert!(
                        known.contains(&key.to_owned()),
                        "{name} sets {key}, which gpmall does not read"
                    );
                }
            }
        }
        if name.starts_with("gpmall-") {
            let env = service["environment"]
                .as_mapping()
                .expect("gpmall environment");
            for required in ["GPMALL_DATABASE_URL", "GPMALL_REDIS_URL", "GPMALL_LISTEN"] {
                assert!(env.contains_key(required), "{name} must set {required}");
            }
            // Production runs on real time: the sandbox clock is off, and says so explicitly.
            assert_eq!(
                env.get("GPMALL_SANDBOX").and_then(Value::as_str),
                Some("false"),
                "{name} must run with GPMALL_SANDBOX=false"
            );
            let depends = service["depends_on"].as_mapping().expect("depends_on");
            assert!(depends.contains_key("postgres") && depends.contains_key("redis"));
        }
    }
    let lb_config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf")).unwrap();
    assert!(lb_config.contains("gpmall-1:8080") && lb_config.contains("gpmall-2:8080"));
    let dockerfile =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).unwrap();
    assert!(dockerfile.contains("cargo build --release"));
}
