//! Identity, catalogue, budgets, cart, orders, idempotency and the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COMMON: &str = r#"
CREATE TABLE organizations (
    id {ID},
    kind TEXT NOT NULL CHECK (kind IN ('purchaser','supplier','operator','regulator','bank')),
    name TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    enterprise_size TEXT CHECK (enterprise_size IN ('large','medium','small','micro')),
    credit_status TEXT NOT NULL DEFAULT 'good' CHECK (credit_status IN ('good','penalized')),
    region TEXT NOT NULL DEFAULT '',
    created_at {TS} NOT NULL
);
CREATE TABLE users (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {TS} NOT NULL
);
CREATE TABLE sessions (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('api','web')),
    expires_at {TS} NOT NULL,
    revoked_at {TS},
    created_at {TS} NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_code TEXT REFERENCES categories(code),
    sort_order INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE category_limits (
    category_code TEXT NOT NULL REFERENCES categories(code),
    fiscal_year INTEGER NOT NULL,
    direct_purchase_limit_fen BIGINT NOT NULL CHECK (direct_purchase_limit_fen > 0),
    PRIMARY KEY (category_code, fiscal_year)
);
CREATE TABLE products (
    id {ID},
    supplier_id BIGINT NOT NULL REFERENCES organizations(id),
    category_code TEXT NOT NULL REFERENCES categories(code),
    name TEXT NOT NULL,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    specification TEXT NOT NULL,
    unit TEXT NOT NULL,
    price_fen BIGINT NOT NULL CHECK (price_fen > 0),
    reference_price_fen BIGINT NOT NULL CHECK (reference_price_fen > 0),
    stock BIGINT NOT NULL CHECK (stock >= 0),
    delivery_regions TEXT NOT NULL,
    lead_days INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending','listed','delisted','rejected')),
    status_reason TEXT,
    price_flagged BOOLEAN NOT NULL DEFAULT FALSE,
    search_tokens TEXT NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL
);
CREATE INDEX products_supplier ON products(supplier_id, status);
CREATE INDEX products_category_price ON products(category_code, price_fen);
CREATE INDEX products_status_price ON products(status, price_fen);
CREATE TABLE product_price_history (
    id {ID},
    product_id BIGINT NOT NULL REFERENCES products(id),
    old_price_fen BIGINT NOT NULL,
    new_price_fen BIGINT NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users(id),
    changed_at {TS} NOT NULL
);
CREATE INDEX product_price_history_product ON product_price_history(product_id, changed_at);
CREATE TABLE budget_lines (
    id {ID},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    code TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    fund_source TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    remaining_fen BIGINT NOT NULL CHECK (remaining_fen >= 0),
    created_at {TS} NOT NULL,
    UNIQUE (org_id, code, fiscal_year)
);
CREATE TABLE budget_adjustments (
    id {ID},
    budget_line_id BIGINT NOT NULL REFERENCES budget_lines(id),
    delta_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    actor_user_id BIGINT NOT NULL REFERENCES users(id),
    created_at {TS} NOT NULL
);
CREATE TABLE cart_items (
    user_id BIGINT NOT NULL REFERENCES users(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    added_at {TS} NOT NULL,
    PRIMARY KEY (user_id, product_id)
);
CREATE TABLE orders (
    id {ID},
    order_no TEXT NOT NULL UNIQUE,
    purchaser_org_id BIGINT NOT NULL REFERENCES organizations(id),
    purchaser_user_id BIGINT NOT NULL REFERENCES users(id),
    supplier_id BIGINT NOT NULL REFERENCES organizations(id),
    budget_line_id BIGINT NOT NULL REFERENCES budget_lines(id),
    total_fen BIGINT NOT NULL CHECK (total_fen > 0),
    status TEXT NOT NULL,
    delivery_address TEXT NOT NULL,
    note TEXT NOT NULL,
    cancel_reason TEXT,
    placed_at {TS} NOT NULL,
    updated_at {TS} NOT NULL
);
CREATE INDEX orders_purchaser ON orders(purchaser_org_id, placed_at);
CREATE INDEX orders_supplier ON orders(supplier_id, placed_at);
CREATE TABLE order_lines (
    id {ID},
    order_id BIGINT NOT NULL REFERENCES orders(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    product_name TEXT NOT NULL,
    category_code TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    line_total_fen BIGINT NOT NULL
);
CREATE INDEX order_lines_order ON order_lines(order_id);
CREATE TABLE acceptances (
    order_id BIGINT PRIMARY KEY REFERENCES orders(id),
    result TEXT NOT NULL CHECK (result IN ('accepted','rejected')),
    acceptance_date TEXT NOT NULL,
    notes TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at {TS} NOT NULL
);
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users(id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at {TS} NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE TABLE audit_log (
    id {ID},
    actor_user_id BIGINT,
    actor_org_id BIGINT,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    before_state {JSON},
    after_state {JSON},
    at {TS} NOT NULL
);
CREATE INDEX audit_subject ON audit_log(subject_type, subject_id)
"#;

/// PostgreSQL: a weighted tsvector built from pre-tokenized text (`search_tokens` holds the
/// jieba tokens and CJK n-grams, space separated); `array_to_tsvector` skips the text parser, so
/// Chinese tokens survive whatever the server's locale.
const POSTGRES_SEARCH: &str = r#"
ALTER TABLE products ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_tokens, ' '))) STORED;
CREATE INDEX products_search ON products USING GIN (search_vector)
"#;

/// SQLite: an external-content FTS5 index over `search_tokens`, kept in step by triggers. Trigger
/// bodies contain `;`, so each statement is its own string.
const SQLITE_SEARCH: &[&str] = &[
    "CREATE VIRTUAL TABLE products_fts USING fts5(search_tokens, content='products', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        INSERT INTO products_fts(products_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
    END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF search_tokens ON products BEGIN
        INSERT INTO products_fts(products_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
        INSERT INTO products_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_ddl(manager, COMMON).await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => crate::run_ddl(manager, POSTGRES_SEARCH).await,
            _ => {
                let conn = manager.get_connection();
                for statement in SQLITE_SEARCH {
                    conn.execute_unprepared(statement).await?;
                }
                Ok(())
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            "audit_log",
            "idempotency_keys",
            "acceptances",
            "order_lines",
            "orders",
            "cart_items",
            "budget_adjustments",
            "budget_lines",
            "product_price_history",
            "products",
            "category_limits",
            "categories",
            "sessions",
            "users",
            "organizations",
        ];
        if manager.get_database_backend() == DbBackend::Sqlite {
            crate::run_ddl(manager, "DROP TABLE IF EXISTS products_fts").await?;
        }
        for table in tables {
            crate::run_ddl(manager, &format!("DROP TABLE IF EXISTS {table}")).await?;
        }
        Ok(())
    }
}
