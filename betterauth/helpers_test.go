package betterauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The helpers below sign with the standard library alone, so that the tests
// do not lean on the JOSE library the Verifier uses.

const (
	testBaseURL = "https://app.example.com"
	testSecret  = "0123456789abcdef0123456789abcdef-test-secret"
)

var enc = base64.RawURLEncoding

// testKey is a signing key of one algorithm with its public JWK.
type testKey struct {
	alg, kid string
	priv     any // ed25519.PrivateKey, *ecdsa.PrivateKey, *rsa.PrivateKey or []byte
}

var rsaKeys sync.Map // bits → *rsa.PrivateKey; RSA generation is slow

func newTestKey(tb testing.TB, alg string) *testKey {
	tb.Helper()
	k := &testKey{alg: alg, kid: randomKID(tb)}
	var err error
	switch alg {
	case "EdDSA":
		_, k.priv, err = ed25519.GenerateKey(rand.Reader)
	case "ES256":
		k.priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES512":
		k.priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "RS256", "PS256":
		k.priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "HS256":
		k.priv, k.kid = []byte(testSecret), ""
	default:
		tb.Fatalf("no test key for %s", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// randomKID makes a 32-character alphanumeric id, as BetterAuth does.
func randomKID(tb testing.TB) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(letters))))
		if err != nil {
			tb.Fatal(err)
		}
		b[i] = letters[n.Int64()]
	}
	return string(b)
}

// jwk returns the public JWK as BetterAuth publishes it: no use, no key_ops.
func (k *testKey) jwk() map[string]any {
	m := map[string]any{"alg": k.alg, "kid": k.kid}
	switch p := k.priv.(type) {
	case ed25519.PrivateKey:
		m["kty"], m["crv"] = "OKP", "Ed25519"
		m["x"] = enc.EncodeToString(p.Public().(ed25519.PublicKey))
	case *ecdsa.PrivateKey:
		size := (p.Curve.Params().BitSize + 7) / 8
		m["kty"], m["crv"] = "EC", p.Curve.Params().Name
		m["x"] = enc.EncodeToString(p.X.FillBytes(make([]byte, size)))
		m["y"] = enc.EncodeToString(p.Y.FillBytes(make([]byte, size)))
	case *rsa.PrivateKey:
		m["kty"] = "RSA"
		m["n"] = enc.EncodeToString(p.N.Bytes())
		m["e"] = enc.EncodeToString(big.NewInt(int64(p.E)).Bytes())
	}
	return m
}

// sign makes a token with the header {alg, kid} and the given claims.
func (k *testKey) sign(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	h := map[string]any{"alg": k.alg}
	if k.kid != "" {
		h["kid"] = k.kid
	}
	return k.signWith(tb, h, claims)
}

// signWith makes a token with any header and claims.
func (k *testKey) signWith(tb testing.TB, header, claims map[string]any) string {
	tb.Helper()
	return k.signRaw(tb, mustJSON(tb, header), mustJSON(tb, claims))
}

// signRaw signs the exact JSON bytes given, for malformed-input tests.
func (k *testKey) signRaw(tb testing.TB, header, payload []byte) string {
	tb.Helper()
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	return input + "." + enc.EncodeToString(k.signature(tb, []byte(input)))
}

func (k *testKey) signature(tb testing.TB, input []byte) []byte {
	tb.Helper()
	h256 := sha256.Sum256(input)
	switch p := k.priv.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(p, input)
	case []byte:
		m := hmac.New(sha256.New, p)
		m.Write(input)
		return m.Sum(nil)
	case *ecdsa.PrivateKey:
		digest := h256[:]
		if k.alg == "ES512" {
			d := sha512.Sum512(input)
			digest = d[:]
		}
		r, s, err := ecdsa.Sign(rand.Reader, p, digest)
		if err != nil {
			tb.Fatal(err)
		}
		size := (p.Curve.Params().BitSize + 7) / 8
		return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	case *rsa.PrivateKey:
		var sig []byte
		var err error
		if k.alg == "PS256" {
			opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
			sig, err = rsa.SignPSS(rand.Reader, p, crypto.SHA256, h256[:], opts)
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, p, crypto.SHA256, h256[:])
		}
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	}
	tb.Fatalf("cannot sign with %T", k.priv)
	return nil
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// userClaims returns the claims of a BetterAuth JWT-plugin token for the
// user sub, issued at now: about 600 bytes once signed.
func userClaimsAt(sub string, now time.Time) map[string]any {
	return map[string]any{
		"iat":           now.Unix(),
		"name":          "Ada Lovelace",
		"email":         "ada.lovelace@example.com",
		"emailVerified": true,
		"image":         "https://cdn.example.com/avatars/ada-lovelace.png",
		"createdAt":     "2026-11-01T10:00:00.000Z",
		"updatedAt":     "2026-11-30T10:00:00.000Z",
		"role":          "user",
		"id":            sub,
		"sub":           sub,
		"exp":           now.Add(15 * time.Minute).Unix(),
		"iss":           testBaseURL,
		"aud":           testBaseURL,
	}
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// jwksServer serves a key set that tests can rotate, break, stall or
// replace, and counts the fetches it answers.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64

	mu     sync.Mutex
	keys   []*testKey
	status int           // non-zero: answer with this status
	body   []byte        // non-nil: answer with this body
	stall  chan struct{} // non-nil: wait for it to close before answering
}

func newJWKSServer(tb testing.TB, keys ...*testKey) *jwksServer {
	tb.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.fetches.Add(1)
	s.mu.Lock()
	status, body, stall := s.status, s.body, s.stall
	keys := make([]map[string]any, len(s.keys))
	for i, k := range s.keys {
		keys[i] = k.jwk()
	}
	s.mu.Unlock()
	if stall != nil {
		select {
		case <-stall:
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if body == nil {
		body, _ = json.Marshal(map[string]any{"keys": keys})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

func (s *jwksServer) setKeys(keys ...*testKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) setStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *jwksServer) setBody(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

func (s *jwksServer) setStall(stall chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall = stall
}

// newTestVerifier builds a Verifier for testBaseURL whose JWKS is srv (when
// not nil) and closes it when the test ends.
func newTestVerifier(tb testing.TB, srv *jwksServer, cfg Config) *Verifier {
	tb.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = testBaseURL
	}
	if srv != nil {
		cfg.JWKSURL = srv.URL
		cfg.HTTPClient = srv.Client()
	} else if cfg.JWKSURL == "" && cfg.Issuer == "" {
		cfg.Issuer, cfg.Audience, cfg.BaseURL = testBaseURL, []string{testBaseURL}, ""
	}
	v, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(v.Close)
	return v
}

// waitReady waits until v has fetched its key set.
func waitReady(tb testing.TB, v *Verifier) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !v.Ready() {
		if time.Now().After(deadline) {
			tb.Fatal("key set not loaded within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
