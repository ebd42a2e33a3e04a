package betterauth

import (
	"testing"
	"time"
)

// TestNew_NonASCIIHost checks a BaseURL whose host is an internationalised
// domain name. BetterAuth puts new URL(baseURL).origin in iss and aud, and
// the WHATWG URL parser writes the host in its ASCII (punycode) form, so
// the default issuer must be that form too; if the package cannot convert
// it with the standard library alone, New must refuse the URL instead of
// building a Verifier that refuses every token.
func TestNew_NonASCIIHost(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	v, err := New(Config{
		BaseURL: "https://bücher.example", JWKSURL: srv.URL,
		HTTPClient: srv.Client(), TokenCacheSize: -1,
	})
	if err != nil {
		return // refused: the operator is told to write the ASCII form
	}
	t.Cleanup(v.Close)
	waitReady(t, v)
	claims := userClaimsAt("user-1", time.Now())
	claims["iss"], claims["aud"] = "https://xn--bcher-kva.example", "https://xn--bcher-kva.example"
	tok := k.sign(t, claims)
	_, err = v.Verify(t.Context(), tok)
	checkErr(t, err, tok, accepted...)
}
