// Package betterauth verifies the bearer tokens that BetterAuth issues, for
// Go services that act as resource servers beside it. It imports only the
// standard library and a JOSE library, so any Go service can use it.
//
// A Verifier accepts two kinds of token, together or apart:
//
//   - JWT-plugin tokens, signed with EdDSA (BetterAuth's default), ES256,
//     ES512, RS256 or PS256 by a key published at BetterAuth's JWKS endpoint.
//     The key set is cached, refreshed when a token names a key id the
//     Verifier has not seen (BetterAuth signs with a new key the moment it
//     rotates), and refetched in the background after a maximum age so that
//     withdrawn keys stop verifying.
//   - HS256 tokens signed with the shared BETTER_AUTH_SECRET, as applications
//     that share the secret with their backend mint them.
//
// Every token must pass a strict access-token profile: an allowed algorithm
// that fits its key, exp, nbf and iat within a small leeway, the configured
// issuer exactly, one of the configured audiences, a non-empty sub, and a typ
// that is absent or JWT. BetterAuth's other credentials (session cookies,
// the session cookie cache, OAuth ID and logout tokens) are refused.
//
// Failures are sentinels such as ErrTokenExpired with stable machine codes
// (see Code); ErrKeysUnavailable means the keys could not be had, which
// deserves a 503 rather than a 401. Middleware wires a Verifier into an
// http.Handler chain and PrincipalFrom reads the caller back.
package betterauth
