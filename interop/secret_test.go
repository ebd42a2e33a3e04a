package interop

import (
	"net/http"
	"testing"
	"time"
)

const (
	// newerSecret is the secret that replaced sharedSecret in rotation.
	newerSecret = "interop-newer-secret-fedcba9876543210"
	otherSecret = "interop-unrelated-secret-00000000000000"
)

// TestSharedSecret mints HS256 tokens with jose, as an application that
// shares BETTER_AUTH_SECRET would, for users BetterAuth signed up.
func TestSharedSecret(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		a.configure(t, authConfig{})
		alice, bob := a.newUser(t, "Alice"), a.newUser(t, "Bob")
		claims := func(edit func(map[string]any)) map[string]any {
			c := map[string]any{
				"sub": alice.id, "iss": a.base, "aud": a.base, "exp": "5m",
			}
			if edit != nil {
				edit(c)
			}
			return c
		}

		t.Run("BETTER_AUTH_SECRET", func(t *testing.T) {
			g := startGatehouse(t, a, map[string]string{
				"BETTER_AUTH_SECRET": sharedSecret,
			})
			good := a.mintHS256(t, sharedSecret, claims(nil))
			wantStatus(t, "own list", g.listTasks(t, alice.id, good),
				http.StatusOK)
			wantStatus(t, "Bob's list", g.listTasks(t, bob.id, good),
				http.StatusForbidden)
			wantStatus(t, "BetterAuth's JWT alongside",
				g.listTasks(t, alice.id, a.tokenWithCookie(t, alice)),
				http.StatusOK)

			array := a.mintHS256(t, sharedSecret, claims(func(c map[string]any) {
				c["aud"] = []string{"another-api", a.base}
			}))
			wantStatus(t, "aud as array", g.listTasks(t, alice.id, array),
				http.StatusOK)

			refused := []struct {
				name, secret, code string
				edit               func(map[string]any)
			}{
				{"other secret", otherSecret, "signature_invalid", nil},
				{"no sub", sharedSecret, "subject_missing",
					func(c map[string]any) { delete(c, "sub") }},
				{"other issuer", sharedSecret, "issuer_invalid",
					func(c map[string]any) { c["iss"] = "https://elsewhere.test" }},
				{"other audience", sharedSecret, "audience_invalid",
					func(c map[string]any) { c["aud"] = "another-api" }},
				{"expired", sharedSecret, "token_expired",
					func(c map[string]any) {
						c["exp"] = time.Now().Add(-2 * time.Minute).Unix()
					}},
			}
			for _, r := range refused {
				token := a.mintHS256(t, r.secret, claims(r.edit))
				wantRefused(t, r.name, g.listTasks(t, alice.id, token), r.code)
			}
		})

		t.Run("BETTER_AUTH_SECRETS rotation", func(t *testing.T) {
			g := startGatehouse(t, a, map[string]string{
				"BETTER_AUTH_SECRETS": "2:" + newerSecret + ",1:" + sharedSecret,
			})
			for _, secret := range []string{newerSecret, sharedSecret} {
				token := a.mintHS256(t, secret, claims(nil))
				wantStatus(t, "token signed with "+secret,
					g.listTasks(t, alice.id, token), http.StatusOK)
			}
			token := a.mintHS256(t, otherSecret, claims(nil))
			wantRefused(t, "unlisted secret", g.listTasks(t, alice.id, token),
				"signature_invalid")
		})

		t.Run("no secret configured", func(t *testing.T) {
			g := startGatehouse(t, a, nil)
			token := a.mintHS256(t, sharedSecret, claims(nil))
			wantRefused(t, "HS256 token", g.listTasks(t, alice.id, token), "")
		})
	})
}
