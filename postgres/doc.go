// Package postgres keeps tasks in PostgreSQL through a pool of pgx
// connections.
//
// Many server processes may share one database: each Store holds no state
// of its own beyond its pool, every change is a single statement, and the
// migrations that Open applies take a lock so that processes starting
// together apply them once.
//
// The connection URL configures both the connections and the pool, with
// pgx's parameters: pool_max_conns, pool_min_conns, pool_max_conn_lifetime,
// pool_max_conn_idle_time, pool_health_check_period, connect_timeout,
// search_path and the other libpq parameters and server settings.
//
// When the server cannot be reached, or drops a connection, methods return
// an error wrapping gatehouse.ErrUnavailable. The pool replaces broken
// connections by itself, so calls succeed again once the server is back.
package postgres
