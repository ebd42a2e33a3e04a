// Package interop holds Gatehouse's end-to-end tests against the real
// BetterAuth.
//
// The tests start server.mjs, which runs a pinned BetterAuth release
// (1.7.x and 1.4.x, installed side by side by npm ci in this directory), and
// the gatehouse binary built from cmd/gatehouse, and drive both over
// loopback HTTP: users sign up through BetterAuth's own API, take the JWTs
// it issues, and use them against Gatehouse's task API. NOTES.md records
// what each BetterAuth release was observed to send.
//
// Without node or node_modules the tests skip, except under CI=true, where
// they fail.
package interop
