// Package http serves Gatehouse's task API over HTTP.
//
// Gatehouse is a resource server: it never issues or stores tokens and never
// asks a database who the caller is. Every /api/{user_id}/... request must
// carry a bearer token that BetterAuth issued; the token's verified subject
// is the caller, and the request is served only when that subject equals
// {user_id} byte for byte. A request without a valid token gets 401, and a
// valid token on another user's path gets 403.
//
// Every error is an RFC 9457 problem+json document with a stable code; see
// the statuses table in error.go. NewHandler builds the whole handler, with
// logging, panic recovery and CORS, and Server runs it with timeouts and a
// graceful shutdown.
package http
