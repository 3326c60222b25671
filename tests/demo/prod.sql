-- The demo "main prod" database: the same tables (columns in another order
-- in customers, plus a prod-only column and a generated one), an older copy
-- of some rows, and one row that exists only in prod (kept by every sync).
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');

CREATE TABLE customers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL,
	email text NOT NULL UNIQUE,
	profile jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT now(),
	crm_note text
);
CREATE TABLE products (
	sku text PRIMARY KEY,
	title text NOT NULL,
	price numeric(10,2) NOT NULL,
	tags text[] NOT NULL DEFAULT '{}',
	price_with_vat numeric(10,2) GENERATED ALWAYS AS (price * 1.2) STORED
);
CREATE TABLE orders (
	id serial PRIMARY KEY,
	customer_id bigint NOT NULL REFERENCES customers,
	status order_status NOT NULL DEFAULT 'new',
	ordered_at timestamptz NOT NULL
);
CREATE TABLE order_lines (
	order_id int NOT NULL REFERENCES orders,
	sku text NOT NULL REFERENCES products,
	qty int NOT NULL CHECK (qty > 0),
	PRIMARY KEY (order_id, sku)
);

-- as synced some time ago: Grace had another tier, order 2 was still new
INSERT INTO customers (id, email, name, profile, created_at, crm_note) OVERRIDING SYSTEM VALUE VALUES
	(1, 'ada@example.com', 'Ada Lovelace', '{"tier": "gold"}', '2024-01-02 09:00+00', 'VIP'),
	(2, 'grace@example.com', 'Grace Hopper', '{"tier": "bronze"}', '2024-01-03 10:00+00', NULL),
	(99, 'walkin@example.com', 'Walk-in customer', '{}', '2024-01-01 00:00+00', 'entered in prod');
SELECT setval(pg_get_serial_sequence('customers', 'id'), 99);
INSERT INTO products (sku, title, price, tags) VALUES
	('KB-01', 'Mechanical keyboard', 79.90, '{hardware,input}'),
	('MS-02', 'Mouse', 24.50, '{hardware,input}');
INSERT INTO orders (id, customer_id, status, ordered_at) VALUES
	(1, 1, 'shipped', '2024-01-10 08:00+00'),
	(2, 2, 'new', '2024-01-11 09:30+00');
INSERT INTO order_lines VALUES (1, 'KB-01', 1);
