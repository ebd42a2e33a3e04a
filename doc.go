// Package gatehouse holds the domain of Gatehouse, a resource server for
// applications that sign their users in with BetterAuth: the task a user
// keeps, the filters and updates applied to it, the TaskStore interface that
// every storage engine implements, and the errors they share.
//
// The package imports nothing else from this module. Each technology lives in
// a package of its own: betterauth verifies tokens, sqlite and postgres store
// tasks, http serves the API, and cmd/gatehouse wires them together.
package gatehouse
