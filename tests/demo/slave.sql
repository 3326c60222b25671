-- The demo "slave" database: where the newest data is written.
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');

CREATE TABLE customers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email text NOT NULL UNIQUE,
	name text NOT NULL,
	profile jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE products (
	sku text PRIMARY KEY,
	title text NOT NULL,
	price numeric(10,2) NOT NULL,
	tags text[] NOT NULL DEFAULT '{}'
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

INSERT INTO customers (email, name, profile, created_at) VALUES
	('ada@example.com', 'Ada Lovelace', '{"tier": "gold"}', '2024-01-02 09:00+00'),
	('grace@example.com', 'Grace Hopper', '{"tier": "silver", "newsletter": true}', '2024-01-03 10:00+00'),
	('alan@example.com', 'Alan Turing', '{}', '2024-01-04 11:00+00'),
	('edsger@example.com', 'Edsger Dijkstra', '{"tier": "gold"}', '2024-01-05 12:00+00');
INSERT INTO products VALUES
	('KB-01', 'Mechanical keyboard', 89.90, '{hardware,input}'),
	('MS-02', 'Mouse', 24.50, '{hardware,input}'),
	('BK-03', 'The Art of Computer Programming', 199.00, '{books}'),
	('CB-04', 'USB-C cable', 9.99, '{}');
INSERT INTO orders (customer_id, status, ordered_at) VALUES
	(1, 'shipped', '2024-01-10 08:00+00'),
	(2, 'paid', '2024-01-11 09:30+00'),
	(3, 'new', '2024-01-12 14:15+00'),
	(4, 'new', '2024-01-13 16:45+00');
INSERT INTO order_lines VALUES
	(1, 'KB-01', 1), (1, 'CB-04', 2), (2, 'BK-03', 1), (3, 'MS-02', 1), (4, 'KB-01', 2);
