package betterauth

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Secrets of the secret-handling tests; fixture_test.go lists them among
// those no error text may contain.
const (
	secretBase64Like = "c2VjcmV0LXRoYXQtbG9va3MtbGlrZS1iYXNlNjQtISE="
	secretHexLike    = "8f3a0c6e9b2d4f1a7c5e3b9d0f2a4c6e8b1d3f5a7c9e0b2d4f6a8c0e2b4d6f8a"
	secretUTF8       = "clé-secrète-partagée-ünïcödé-✓✓✓"
	devSecretTyped   = "better-auth-secret-123456789"
	devSecretRuntime = "better-auth-secret-12345678901234567890"
)

func TestNew_RefusesIncompleteOrUnsafeConfig(t *testing.T) {
	long := strings.Repeat("s", minSecretLength)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"empty", Config{}},
		{"base URL without scheme", Config{BaseURL: "app.example.com"}},
		{"base URL ftp", Config{BaseURL: "ftp://app.example.com"}},
		{"base URL without host", Config{BaseURL: "https://"}},
		{"base URL garbage", Config{BaseURL: "://x"}},
		{"JWKS URL relative", Config{BaseURL: testBaseURL, JWKSURL: "/api/auth/jwks"}},
		{"JWKS URL file", Config{BaseURL: testBaseURL, JWKSURL: "file:///etc/passwd"}},
		{"secret too short", Config{BaseURL: testBaseURL, Secrets: []string{long[:31]}}},
		{"empty secret", Config{BaseURL: testBaseURL, Secrets: []string{""}}},
		{"BetterAuth's documented development secret", Config{
			BaseURL: testBaseURL, Secrets: []string{devSecretTyped},
		}},
		{"one short secret among good ones", Config{
			BaseURL: testBaseURL, Secrets: []string{long, "tiny-s3cr3t", long},
		}},
		{"secret short in bytes", Config{BaseURL: testBaseURL, Secrets: []string{"tiny-s3cr3t-é"}}},
		{"secrets without issuer", Config{Secrets: []string{long}, Audience: []string{"a"}}},
		{"secrets without audience", Config{Secrets: []string{long}, Issuer: "https://i.example.com"}},
		{"empty audience", Config{BaseURL: testBaseURL, Audience: []string{testBaseURL, ""}}},
		{"empty access-token audience", Config{BaseURL: testBaseURL, AccessTokenAudience: []string{""}}},
		{"leeway above maximum", Config{BaseURL: testBaseURL, Leeway: MaxLeeway + time.Second}},
		{"leeway of an hour", Config{BaseURL: testBaseURL, Leeway: time.Hour}},
		{"negative leeway", Config{BaseURL: testBaseURL, Leeway: -time.Second}},
		{"algorithm none", Config{BaseURL: testBaseURL, Algorithms: []string{"none"}}},
		{"algorithm empty", Config{BaseURL: testBaseURL, Algorithms: []string{""}}},
		{"algorithm HS384", Config{
			BaseURL: testBaseURL, Secrets: []string{long}, Algorithms: []string{"HS384"},
		}},
		{"algorithm hs256", Config{
			BaseURL: testBaseURL, Secrets: []string{long}, Algorithms: []string{"hs256"},
		}},
		{"algorithm eddsa", Config{BaseURL: testBaseURL, Algorithms: []string{"eddsa"}}},
		{"algorithm RS384", Config{BaseURL: testBaseURL, Algorithms: []string{"RS384"}}},
		{"HS256 without secrets", Config{BaseURL: testBaseURL, Algorithms: []string{"HS256"}}},
		{"EdDSA without JWKS", Config{
			Secrets: []string{long}, Issuer: testBaseURL, Audience: []string{testBaseURL},
			Algorithms: []string{"EdDSA"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(tt.cfg)
			if err == nil {
				v.Close()
				t.Fatal("New succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), "betterauth: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			for _, s := range tt.cfg.Secrets {
				if len(s) >= 8 && strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains a secret", err)
				}
			}
		})
	}
}

func TestNew_AcceptsBoundaryValues(t *testing.T) {
	long := strings.Repeat("s", minSecretLength)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"base URL only", Config{BaseURL: testBaseURL}},
		{"JWKS URL, issuer and audience", Config{
			JWKSURL: "https://keys.example.com/jwks",
			Issuer:  "https://i.example.com", Audience: []string{"api"},
		}},
		{"secret of 32 bytes", Config{BaseURL: testBaseURL, Secrets: []string{long}}},
		{"secret of 32 bytes in 16 characters", Config{
			BaseURL: testBaseURL, Secrets: []string{strings.Repeat("é", 16)},
		}},
		{"secrets only", Config{
			Secrets: []string{long}, Issuer: testBaseURL, Audience: []string{testBaseURL},
		}},
		{"maximum leeway", Config{BaseURL: testBaseURL, Leeway: MaxLeeway}},
		{"HS256 only", Config{BaseURL: testBaseURL, Secrets: []string{long}, Algorithms: []string{"HS256"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.HTTPClient = &http.Client{Transport: refuseTransport{}}
			v, err := New(tt.cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			v.Close()
		})
	}
}

// refuseTransport fails every request without touching the network.
type refuseTransport struct{}

func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, io.ErrUnexpectedEOF
}

func TestParseSecrets(t *testing.T) {
	tests := []struct {
		in   string
		want []string // nil: an error
	}{
		{"2:" + secretNew + ",1:" + secretOld, []string{secretNew, secretOld}},
		{"1:" + secretOld, []string{secretOld}},
		{"0:" + secretOld, []string{secretOld}},
		{"10:" + secretNew + ",9:" + secretOld, []string{secretNew, secretOld}},
		{"2:" + secretNew + ", 1:" + secretOld, []string{secretNew, secretOld}},
		{" 2:" + secretNew + " , 1:" + secretOld + " ", []string{secretNew, secretOld}},
		{"1:" + secretOld + ",2:" + secretNew, []string{secretOld, secretNew}},
		{"3:a:b:c", []string{"a:b:c"}},
		{"3:" + secretBase64Like, []string{secretBase64Like}},
		{"", nil},
		{" ", nil},
		{",", nil},
		{secretNew, nil},
		{":" + secretNew, nil},
		{"1:", nil},
		{"1: ", nil},
		{"v2:" + secretNew, nil},
		{"-1:" + secretNew, nil},
		{"1.5:" + secretNew, nil},
		{"0x1:" + secretNew, nil},
		{"1:" + secretNew + ",1:" + secretOld, nil},
		{"2:" + secretNew + ",,1:" + secretOld, nil},
		{"2:" + secretNew + ",", nil},
		{",2:" + secretNew, nil},
		{"2;" + secretNew, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSecrets(tt.in)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ParseSecrets = %q, want an error", got)
				}
				checkNoLeak(t, "", err.Error())
				return
			}
			if err != nil {
				t.Fatalf("ParseSecrets: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseSecrets = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVerifier_VerifyVersionedSecrets(t *testing.T) {
	secrets, err := ParseSecrets("2:" + secretNew + ",1:" + secretOld)
	if err != nil {
		t.Fatal(err)
	}
	f := newSecretFixture(t, Config{Secrets: secrets})
	for _, tt := range []struct {
		name   string
		secret string
		want   []*Error
	}{
		{"current", secretNew, accepted},
		{"previous", secretOld, accepted},
		{"unlisted", testSecret, want(ErrSignatureInvalid)},
		{"versioned form itself", "2:" + secretNew, want(ErrSignatureInvalid)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok := hmacKey("", []byte(tt.secret)).sign(t, f.claims(nil))
			_, err := f.verify(tok)
			checkErr(t, err, tok, tt.want...)
		})
	}
}

// TestVerifier_VerifySecretBytes checks that a secret is used as the raw
// bytes of its string, never decoded, trimmed or hashed.
func TestVerifier_VerifySecretBytes(t *testing.T) {
	b64, err := base64.StdEncoding.DecodeString(secretBase64Like)
	if err != nil {
		t.Fatal(err)
	}
	hx, err := hex.DecodeString(secretHexLike)
	if err != nil {
		t.Fatal(err)
	}
	padded := "  " + secretNew + "  "
	f := newSecretFixture(t, Config{Secrets: []string{secretBase64Like, secretHexLike, secretUTF8, padded}})
	for _, tt := range []struct {
		name string
		key  []byte
		want []*Error
	}{
		{"base64-like, raw", []byte(secretBase64Like), accepted},
		{"base64-like, decoded", b64, want(ErrSignatureInvalid)},
		{"base64-like, URL-decoded", mustDecodeURL(secretBase64Like), want(ErrSignatureInvalid)},
		{"hex-like, raw", []byte(secretHexLike), accepted},
		{"hex-like, decoded", hx, want(ErrSignatureInvalid)},
		{"UTF-8, raw", []byte(secretUTF8), accepted},
		{"UTF-8, as Latin-1", latin1(secretUTF8), want(ErrSignatureInvalid)},
		{"spaces kept", []byte(padded), accepted},
		{"spaces trimmed", []byte(secretNew), want(ErrSignatureInvalid)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok := hmacKey("", tt.key).sign(t, f.claims(nil))
			_, err := f.verify(tok)
			checkErr(t, err, tok, tt.want...)
		})
	}
}

func mustDecodeURL(s string) []byte {
	b, _ := base64.URLEncoding.DecodeString(strings.NewReplacer("+", "-", "/", "_").Replace(s))
	return b
}

// latin1 encodes the runes of s below 256 as single bytes.
func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

// recordingTransport serves a JWKS from memory and records the URLs asked.
type recordingTransport struct {
	mu   sync.Mutex
	urls []string
	body []byte
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.urls = append(rt.urls, r.Method+" "+r.URL.String())
	rt.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(rt.body)),
		Request:    r,
	}, nil
}

func (rt *recordingTransport) asked() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.urls)
}

// TestNew_HTTPClient checks that the JWKS is fetched with the injected
// client from the URL derived from BaseURL, or from JWKSURL.
func TestNew_HTTPClient(t *testing.T) {
	k := newKey(t, "EdDSA")
	tests := []struct {
		base, jwks string
		want       string
		origin     string // the iss and aud BetterAuth sends
	}{
		{testBaseURL, "", "GET " + testBaseURL + "/api/auth/jwks", testBaseURL},
		{testBaseURL + "/", "", "GET " + testBaseURL + "/api/auth/jwks", testBaseURL},
		{testBaseURL, "https://keys.example.com/.well-known/jwks.json",
			"GET https://keys.example.com/.well-known/jwks.json", testBaseURL},
		{"http://127.0.0.1:4117", "", "GET http://127.0.0.1:4117/api/auth/jwks",
			"http://127.0.0.1:4117"},
		// A path in BetterAuth's base URL is the base path of its API.
		{testBaseURL + "/api/auth", "", "GET " + testBaseURL + "/api/auth/jwks", testBaseURL},
		{"http://127.0.0.1:4117/auth/", "", "GET http://127.0.0.1:4117/auth/jwks",
			"http://127.0.0.1:4117"},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.jwks, func(t *testing.T) {
			rt := &recordingTransport{body: jwksBody(t, k.jwk())}
			clock := newFakeClock()
			v, err := New(Config{
				BaseURL: tt.base, JWKSURL: tt.jwks, Now: clock.Now,
				HTTPClient: &http.Client{Transport: rt},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(v.Close)
			waitReady(t, v)
			claims := userClaimsAt("user-1", clock.Now())
			claims["iss"], claims["aud"] = tt.origin, tt.origin
			tok := k.sign(t, claims)
			if _, err := v.Verify(t.Context(), tok); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := rt.asked(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("requests = %q, want [%q]", got, tt.want)
			}
		})
	}
}

// TestNew_IssuerAndAudience checks the defaults (the origin of BaseURL)
// and explicit values.
func TestNew_IssuerAndAudience(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	tests := []struct {
		name     string
		cfg      Config
		iss, aud any
		want     []*Error
	}{
		{"origin of a base URL with a path", Config{BaseURL: testBaseURL + "/some/path/"},
			testBaseURL, testBaseURL, accepted},
		{"path is not part of the issuer", Config{BaseURL: testBaseURL + "/some/path"},
			testBaseURL + "/some/path", testBaseURL, want(ErrIssuerInvalid)},
		{"explicit issuer", Config{BaseURL: testBaseURL, Issuer: "https://auth.example.com"},
			"https://auth.example.com", testBaseURL, accepted},
		{"explicit issuer refuses the origin", Config{BaseURL: testBaseURL, Issuer: "https://auth.example.com"},
			testBaseURL, testBaseURL, want(ErrIssuerInvalid)},
		{"explicit audiences", Config{BaseURL: testBaseURL, Audience: []string{"api-one", "api-two"}},
			testBaseURL, "api-two", accepted},
		{"explicit audiences refuse the origin", Config{BaseURL: testBaseURL, Audience: []string{"api-one"}},
			testBaseURL, testBaseURL, want(ErrAudienceInvalid)},
		{"audience array", Config{BaseURL: testBaseURL, Audience: []string{"api-one"}},
			testBaseURL, []string{"api-two", "api-one"}, accepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.TokenCacheSize = -1
			v := newTestVerifier(t, srv, tt.cfg)
			waitReady(t, v)
			claims := userClaimsAt("user-1", time.Now())
			claims["iss"], claims["aud"] = tt.iss, tt.aud
			tok := k.sign(t, claims)
			_, err := v.Verify(t.Context(), tok)
			checkErr(t, err, tok, tt.want...)
		})
	}
}

// TestNew_Clock checks that every time check uses the injected clock.
func TestNew_Clock(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	past := &fakeClock{t: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)}
	v := newTestVerifier(t, srv, Config{Now: past.Now, TokenCacheSize: -1})
	waitReady(t, v)

	// Valid by the injected clock, long expired by the real one.
	tok := k.sign(t, userClaimsAt("user-1", past.Now()))
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("token valid at the injected time: %v", err)
	}
	// Valid by the real clock, not yet valid by the injected one.
	tok = k.sign(t, userClaimsAt("user-1", time.Now()))
	_, err := v.Verify(t.Context(), tok)
	checkErr(t, err, tok, ErrTokenNotYetValid)

	past.Advance(15*time.Minute + DefaultLeeway)
	tok = k.sign(t, userClaimsAt("user-1", past.Now().Add(-15*time.Minute-DefaultLeeway)))
	_, err = v.Verify(t.Context(), tok)
	checkErr(t, err, tok, ErrTokenExpired)
}

// TestNew_RefusesDevelopmentSecrets checks that BetterAuth's public
// fallback secrets are refused even where they are long enough. The
// library's type docs name "better-auth-secret-123456789"; the code of
// better-auth 1.4 and 1.7 (utils/constants, context/create-context) falls
// back to "better-auth-secret-12345678901234567890", 40 bytes.
func TestNew_RefusesDevelopmentSecrets(t *testing.T) {
	for _, secret := range []string{devSecretTyped, devSecretRuntime} {
		t.Run(secret, func(t *testing.T) {
			v, err := New(Config{BaseURL: testBaseURL, Secrets: []string{secret}})
			if err == nil {
				v.Close()
				t.Fatalf("New accepted BetterAuth's public development secret")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

// TestParseSecrets_LikeBetterAuth checks that a value is read as
// BetterAuth 1.7 reads BETTER_AUTH_SECRETS (context/secret-utils
// parseSecretsEnv: each entry and each value is trimmed), so that the key
// Gatehouse verifies with is the key BetterAuth and its applications sign
// with.
func TestParseSecrets_LikeBetterAuth(t *testing.T) {
	got, err := ParseSecrets("2: " + secretNew + ",1:" + secretOld)
	if err != nil {
		t.Fatalf("ParseSecrets: %v", err)
	}
	if want := []string{secretNew, secretOld}; !slices.Equal(got, want) {
		t.Errorf("ParseSecrets = %q, want %q", got, want)
	}
}

// TestNew_DefaultIssuerIsSerializedOrigin checks that the default issuer
// is the origin as BetterAuth computes it (new URL(baseURL).origin: host
// in lower case, default port dropped), since that is what it puts in iss.
func TestNew_DefaultIssuerIsSerializedOrigin(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	tests := []struct{ base, origin string }{
		{"HTTPS://app.example.com", "https://app.example.com"},
		{"https://APP.Example.COM", "https://app.example.com"},
		{"https://app.example.com:443", "https://app.example.com"},
		{"http://localhost:80/api/auth", "http://localhost"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://[::1]:3000/", "http://[::1]:3000"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			v := newTestVerifier(t, srv, Config{BaseURL: tt.base, TokenCacheSize: -1})
			waitReady(t, v)
			claims := userClaimsAt("user-1", time.Now())
			claims["iss"], claims["aud"] = tt.origin, tt.origin
			tok := k.sign(t, claims)
			_, err := v.Verify(t.Context(), tok)
			checkErr(t, err, tok, accepted...)
		})
	}
}

// TestNew_NegativeLimits checks that a negative duration or size, which
// no field documents, is either refused by New or harmless. A negative
// RefreshCooldown must not lift the limit on fetches, nor a negative
// MaxKeyAge make the background loop fetch without pause; the others must
// not stop every token from verifying.
func TestNew_NegativeLimits(t *testing.T) {
	k := newKey(t, "EdDSA")
	tests := []struct {
		name string
		set  func(c *Config)
	}{
		{"RefreshCooldown", func(c *Config) { c.RefreshCooldown = -time.Second }},
		{"MaxKeyAge", func(c *Config) { c.MaxKeyAge = -time.Second }},
		{"StaleKeyTTL", func(c *Config) { c.StaleKeyTTL = -time.Second }},
		{"FetchTimeout", func(c *Config) { c.FetchTimeout = -time.Second }},
		{"MaxJWKSBytes", func(c *Config) { c.MaxJWKSBytes = -1 }},
		{"MaxTokenBytes", func(c *Config) { c.MaxTokenBytes = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, k)
			clock := newFakeClock()
			cfg := Config{
				BaseURL: testBaseURL, JWKSURL: srv.URL, HTTPClient: srv.Client(),
				Now: clock.Now, TokenCacheSize: -1,
			}
			tt.set(&cfg)
			v, err := New(cfg)
			if err != nil {
				return // refused: fine
			}
			t.Cleanup(v.Close)
			time.Sleep(200 * time.Millisecond)

			tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
			if _, err := v.Verify(t.Context(), tok); err != nil {
				t.Errorf("New accepted the value, then a valid token failed: %v", err)
			}
			for range 20 {
				bogus := newKey(t, "EdDSA").sign(t, userClaimsAt("user-1", clock.Now()))
				_, _ = v.Verify(t.Context(), bogus)
			}
			if n := srv.fetches.Load(); n > 3 {
				t.Errorf("New accepted the value, then the JWKS was fetched %d times", n)
			}
		})
	}
}
