package betterauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// algKeys are the keys of the algorithm tests: one per algorithm as
// BetterAuth publishes them, plus keys whose JWK omits alg, a weak RSA key
// and a symmetric key, all in one JWKS.
type algKeys struct {
	std                  map[string]*testKey
	p256NoAlg, p521NoAlg *testKey
	edNoAlg, rsaNoAlg    *testKey
	weak, weakNoAlg      *testKey
	octKID               string
	oct                  []byte
	stranger             *testKey // same kid as std ES256, other key
}

func newAlgKeys(tb testing.TB) *algKeys {
	tb.Helper()
	ks := &algKeys{
		std:       asymmetricKeys(tb),
		p256NoAlg: newKey(tb, "ES256"),
		p521NoAlg: newKey(tb, "ES512"),
		edNoAlg:   newKey(tb, "EdDSA"),
		rsaNoAlg:  &testKey{alg: "RS256", kid: randomKID(tb), priv: pooledRSA(tb, 0)},
		weak:      &testKey{alg: "RS256", kid: randomKID(tb), priv: pooledRSA(tb, -1)},
		weakNoAlg: &testKey{alg: "RS256", kid: randomKID(tb), priv: pooledRSA(tb, -1)},
		octKID:    randomKID(tb),
		oct:       []byte("symmetric-key-published-in-the-jwks-0123456789"),
	}
	ks.stranger = newKey(tb, "ES256")
	ks.stranger.kid = ks.std["ES256"].kid
	return ks
}

func (ks *algKeys) body(tb testing.TB) []byte {
	tb.Helper()
	entries := []any{
		ks.p256NoAlg.jwkWithout("alg"), ks.p521NoAlg.jwkWithout("alg"),
		ks.edNoAlg.jwkWithout("alg"), ks.rsaNoAlg.jwkWithout("alg"),
		ks.weak.jwk(), ks.weakNoAlg.jwkWithout("alg"),
		map[string]any{
			"kty": "oct", "kid": ks.octKID, "alg": "HS256",
			"k": enc.EncodeToString(ks.oct),
		},
	}
	for _, alg := range AsymmetricAlgorithms {
		entries = append(entries, ks.std[alg].jwk())
	}
	return jwksBody(tb, entries...)
}

// hmacKey signs HS256 tokens with key, naming kid when not empty.
func hmacKey(kid string, key []byte) *testKey {
	return &testKey{alg: "HS256", kid: kid, priv: key}
}

func pkixPEM(tb testing.TB, pub any) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestVerifier_VerifyAlgorithms(t *testing.T) {
	ks := newAlgKeys(t)
	both := newFixtureBody(t, Config{Secrets: []string{testSecret}}, ks.body(t))
	jwksOnly := newFixtureBody(t, Config{}, ks.body(t))
	secretOnly := newSecretFixture(t, Config{})
	onlyEdDSA := newFixtureBody(t, Config{Algorithms: []string{"EdDSA"}}, ks.body(t))

	ed := ks.std["EdDSA"]
	es256, es512 := ks.std["ES256"], ks.std["ES512"]
	rs, ps := ks.std["RS256"], ks.std["PS256"]
	edPub := ed.priv.(ed25519.PrivateKey).Public().(ed25519.PublicKey)
	rsPub := &rs.priv.(*rsa.PrivateKey).PublicKey
	esPub := &es256.priv.(*ecdsa.PrivateKey).PublicKey
	esDER, err := x509.MarshalPKIXPublicKey(esPub)
	if err != nil {
		t.Fatal(err)
	}

	type sign func(f *fixture) string
	withHeader := func(k *testKey, h map[string]any) sign {
		return func(f *fixture) string { return k.signWith(t, h, f.claims(nil)) }
	}
	signed := func(k *testKey) sign {
		return func(f *fixture) string { return k.sign(t, f.claims(nil)) }
	}
	// derSig replaces the JWS signature with the ASN.1 DER form that
	// crypto/ecdsa produces, which JWS does not allow (RFC 7518 §3.4).
	derSig := func(f *fixture) string {
		tok := es256.sign(t, f.claims(nil))
		input := tok[:strings.LastIndexByte(tok, '.')]
		digest := sha256.Sum256([]byte(input))
		sig, err := ecdsa.SignASN1(rand.Reader, es256.priv.(*ecdsa.PrivateKey), digest[:])
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + enc.EncodeToString(sig)
	}

	tests := []struct {
		name string
		f    *fixture
		tok  sign
		want []*Error
	}{
		{"EdDSA", both, signed(ed), accepted},
		{"ES256", both, signed(es256), accepted},
		{"ES512", both, signed(es512), accepted},
		{"RS256", both, signed(rs), accepted},
		{"PS256", both, signed(ps), accepted},
		{"HS256", both, signed(hmacKey("", []byte(testSecret))), accepted},
		{"HS256 with a kid", both, signed(hmacKey("any", []byte(testSecret))), accepted},
		{"HS256 secret only", secretOnly, signed(hmacKey("", []byte(testSecret))), accepted},

		// Algorithms that are not allowed, whatever the key.
		{"none", both, withHeader(ed, map[string]any{"alg": "none", "kid": ed.kid}),
			want(ErrAlgNotAllowed)},
		{"none unsigned", both, func(f *fixture) string {
			tok := ed.signWith(t, map[string]any{"alg": "none"}, f.claims(nil))
			return tok[:strings.LastIndexByte(tok, '.')+1]
		}, want(ErrAlgNotAllowed, ErrTokenMalformed)},
		{"None", both, withHeader(ed, map[string]any{"alg": "None", "kid": ed.kid}),
			want(ErrAlgNotAllowed)},
		{"empty alg", both, withHeader(ed, map[string]any{"alg": "", "kid": ed.kid}),
			want(ErrAlgNotAllowed)},
		{"missing alg", both, withHeader(ed, map[string]any{"kid": ed.kid}),
			want(ErrAlgNotAllowed)},
		{"null alg", both, withHeader(ed, map[string]any{"alg": nil, "kid": ed.kid}),
			want(ErrAlgNotAllowed, ErrTokenMalformed)},
		{"alg array", both, withHeader(ed, map[string]any{"alg": []string{"EdDSA"}, "kid": ed.kid}),
			want(ErrAlgNotAllowed, ErrTokenMalformed)},
		{"unknown alg", both, withHeader(ed, map[string]any{"alg": "XS256", "kid": ed.kid}),
			want(ErrAlgNotAllowed)},
		{"Ed25519 as alg", both, withHeader(ed, map[string]any{"alg": "Ed25519", "kid": ed.kid}),
			want(ErrAlgNotAllowed)},
		{"HS384", both, signed(hmacKey("", []byte(testSecret)).as("HS384")),
			want(ErrAlgNotAllowed)},
		{"HS512", both, signed(hmacKey("", []byte(testSecret)).as("HS512")),
			want(ErrAlgNotAllowed)},
		{"hs256", both, signed(hmacKey("", []byte(testSecret)).as("hs256")),
			want(ErrAlgNotAllowed)},
		{"Hs256", both, signed(hmacKey("", []byte(testSecret)).as("Hs256")),
			want(ErrAlgNotAllowed)},
		{"HS256 with a space", both, signed(hmacKey("", []byte(testSecret)).as("HS256 ")),
			want(ErrAlgNotAllowed)},
		{"eddsa", both, signed(ed.as("eddsa")), want(ErrAlgNotAllowed)},
		{"RS384", both, signed(rs.as("RS384")), want(ErrAlgNotAllowed)},
		{"ES384", both, signed(es256.as("ES384")), want(ErrAlgNotAllowed)},
		{"PS512", both, signed(ps.as("PS512")), want(ErrAlgNotAllowed)},
		{"ES256K", both, signed(es256.as("ES256K")), want(ErrAlgNotAllowed)},
		{"ES256 outside Config.Algorithms", onlyEdDSA, signed(es256), want(ErrAlgNotAllowed)},
		{"EdDSA inside Config.Algorithms", onlyEdDSA, signed(ed), accepted},

		// HS256 is checked with the configured secrets only.
		{"HS256 without secrets", jwksOnly, signed(hmacKey("", []byte(testSecret))),
			want(ErrAlgNotAllowed)},
		{"HS256 other secret", both, signed(hmacKey("", []byte(secretOld))),
			want(ErrSignatureInvalid)},
		{"HS256 with the JWKS oct key", both, signed(hmacKey(ks.octKID, ks.oct)),
			want(ErrSignatureInvalid)},
		{"HS256 with the JWKS oct key, no secrets", jwksOnly, signed(hmacKey(ks.octKID, ks.oct)),
			want(ErrAlgNotAllowed)},
		{"HS256 keyed with raw Ed25519 public key", both, signed(hmacKey(ed.kid, edPub)),
			want(ErrSignatureInvalid)},
		{"HS256 keyed with the JWK JSON", both, signed(hmacKey(ed.kid, mustJSON(t, ed.jwk()))),
			want(ErrSignatureInvalid)},
		{"HS256 keyed with RSA PEM", both, signed(hmacKey(rs.kid, pkixPEM(t, rsPub))),
			want(ErrSignatureInvalid)},
		{"HS256 keyed with RSA modulus", both, signed(hmacKey(rs.kid, rsPub.N.Bytes())),
			want(ErrSignatureInvalid)},
		{"HS256 keyed with EC DER", both, signed(hmacKey(es256.kid, esDER)),
			want(ErrSignatureInvalid)},
		{"HS256 keyed with RSA PEM, no secrets", jwksOnly, signed(hmacKey(rs.kid, pkixPEM(t, rsPub))),
			want(ErrAlgNotAllowed)},

		// Asymmetric tokens are never checked with a secret.
		{"ES256 with an HMAC of the secret", both,
			signed(hmacKey(es256.kid, []byte(testSecret)).as("ES256")),
			want(ErrSignatureInvalid)},
		{"EdDSA with an HMAC of the secret", both,
			signed(hmacKey(ed.kid, []byte(testSecret)).as("EdDSA")),
			want(ErrSignatureInvalid)},
		{"RS256 with an HMAC of the secret, no kid", both,
			signed(hmacKey("", []byte(testSecret)).as("RS256")),
			want(ErrKIDUnknown, ErrTokenMalformed)},
		{"EdDSA without a JWKS", secretOnly, signed(ed), want(ErrAlgNotAllowed)},
		{"RS256 with an HMAC of the secret, without a JWKS", secretOnly,
			signed(hmacKey(rs.kid, []byte(testSecret)).as("RS256")),
			want(ErrAlgNotAllowed)},

		// The token's alg must fit the key's type and curve.
		{"ES256 on a P-521 key", both, signed(ks.p521NoAlg.as("ES256")),
			want(ErrAlgNotAllowed)},
		{"ES256 on a P-521 key stated ES512", both, signed(es512.as("ES256")),
			want(ErrAlgNotAllowed)},
		{"ES512 on a P-256 key", both, signed(ks.p256NoAlg.as("ES512")),
			want(ErrAlgNotAllowed)},
		{"ES512 on a P-521 key without JWK alg", both, signed(ks.p521NoAlg), accepted},
		{"ES256 on a P-256 key without JWK alg", both, signed(ks.p256NoAlg), accepted},
		{"EdDSA on an EC key", both, signed(ks.p256NoAlg.as("EdDSA")),
			want(ErrAlgNotAllowed)},
		{"ES256 on an Ed25519 key", both, signed(ks.edNoAlg.as("ES256")),
			want(ErrAlgNotAllowed)},
		{"EdDSA on an Ed25519 key without JWK alg", both, signed(ks.edNoAlg), accepted},
		{"RS256 on an Ed25519 key", both, signed(ks.edNoAlg.as("RS256")),
			want(ErrAlgNotAllowed)},
		{"EdDSA on an RSA key", both, signed(ks.rsaNoAlg.as("EdDSA")),
			want(ErrAlgNotAllowed)},
		{"RS256 on an RSA key without JWK alg", both, signed(ks.rsaNoAlg), accepted},
		{"PS256 on an RSA key without JWK alg", both, signed(ks.rsaNoAlg.as("PS256")), accepted},
		{"RS256 on a 1024-bit key", both, signed(ks.weak),
			want(ErrKIDUnknown, ErrAlgNotAllowed)},
		{"RS256 on a 1024-bit key without JWK alg", both, signed(ks.weakNoAlg),
			want(ErrKIDUnknown, ErrAlgNotAllowed)},
		{"ES256 naming the oct key", both, signed(es256.as("ES256").withKID(ks.octKID)),
			want(ErrKIDUnknown, ErrAlgNotAllowed)},

		{"ES512 on a P-256 key stated ES512", both, signed(ks.p256NoAlg.as("ES512")),
			want(ErrAlgNotAllowed)},
		{"ES512 on a P-256 JWK that claims ES512", newFixtureBody(t, Config{}, jwksBody(t,
			func() map[string]any { m := ks.p256NoAlg.jwk(); m["alg"] = "ES512"; return m }(),
			ed.jwk())), signed(ks.p256NoAlg.as("ES512")),
			want(ErrAlgNotAllowed, ErrKIDUnknown)},

		// Where the JWK states an alg, the token's must equal it.
		{"RS256 on a key stated PS256", both,
			signed(&testKey{alg: "RS256", kid: ps.kid, priv: ps.priv}),
			want(ErrAlgNotAllowed)},
		{"PS256 on a key stated RS256", both,
			signed(&testKey{alg: "PS256", kid: rs.kid, priv: rs.priv}),
			want(ErrAlgNotAllowed)},

		// Signatures.
		{"ES256 by another key with the same kid", both, signed(ks.stranger),
			want(ErrSignatureInvalid)},
		{"ES256 with a DER signature", both, derSig,
			want(ErrSignatureInvalid, ErrTokenMalformed)},
		{"EdDSA over another payload", both, func(f *fixture) string {
			a := strings.Split(ed.sign(t, f.claims(nil)), ".")
			b := strings.Split(ed.sign(t, f.claims(func(c map[string]any) {
				c["role"] = "admin"
			})), ".")
			return a[0] + "." + b[1] + "." + a[2]
		}, want(ErrSignatureInvalid)},
		{"EdDSA with a truncated signature", both, func(f *fixture) string {
			tok := ed.sign(t, f.claims(nil))
			sig, _ := enc.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
			return tok[:strings.LastIndexByte(tok, '.')+1] + enc.EncodeToString(sig[:63])
		}, want(ErrSignatureInvalid, ErrTokenMalformed)},
		{"PS256 with an empty salt", both, func(f *fixture) string {
			tok := ps.sign(t, f.claims(nil))
			input := tok[:strings.LastIndexByte(tok, '.')]
			digest := sha256.Sum256([]byte(input))
			sig, err := rsa.SignPSS(rand.Reader, ps.priv.(*rsa.PrivateKey), crypto.SHA256, digest[:],
				&rsa.PSSOptions{SaltLength: 0})
			if err != nil {
				t.Fatal(err)
			}
			return input + "." + enc.EncodeToString(sig)
		}, want(ErrSignatureInvalid)},
		{"RS256 signed with PSS", both, func(f *fixture) string {
			k := &testKey{alg: "RS256", kid: rs.kid, priv: rs.priv}
			return k.signPSSAs(t, f.claims(nil))
		}, want(ErrSignatureInvalid)},
		{"ES512 with a zero signature", both, func(f *fixture) string {
			tok := es512.sign(t, f.claims(nil))
			return tok[:strings.LastIndexByte(tok, '.')+1] + enc.EncodeToString(make([]byte, 132))
		}, want(ErrSignatureInvalid)},

		// Asymmetric tokens must name a kid.
		{"EdDSA without kid", both, withHeader(ed, map[string]any{"alg": "EdDSA"}),
			want(ErrKIDUnknown, ErrTokenMalformed)},
		{"EdDSA with empty kid", both, withHeader(ed, map[string]any{"alg": "EdDSA", "kid": ""}),
			want(ErrKIDUnknown, ErrTokenMalformed)},
		{"EdDSA with a numeric kid", both, withHeader(ed, map[string]any{"alg": "EdDSA", "kid": 7}),
			want(ErrKIDUnknown, ErrTokenMalformed)},
		{"EdDSA with a null kid", both, withHeader(ed, map[string]any{"alg": "EdDSA", "kid": nil}),
			want(ErrKIDUnknown, ErrTokenMalformed)},
		{"EdDSA with an unknown kid", both, signed(ed.withKID(randomKID(t))),
			want(ErrKIDUnknown)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok(tt.f)
			p, err := tt.f.verify(tok)
			checkErr(t, err, tok, tt.want...)
			if err == nil && p.Subject != "user-1" {
				t.Errorf("Subject = %q, want user-1", p.Subject)
			}
		})
	}
}

// withKID returns a copy of k that names kid in its header.
func (k *testKey) withKID(kid string) *testKey {
	c := *k
	c.kid = kid
	return &c
}

// TestVerifier_VerifyIgnoresKeysInHeader checks that keys and key URLs
// named by the token itself (RFC 7515 §4.1.2 to §4.1.6) are never used:
// the attacker's key server must not even be asked.
func TestVerifier_VerifyIgnoresKeysInHeader(t *testing.T) {
	legit := newKey(t, "ES256")
	f := newFixture(t, Config{}, legit)
	attacker := newKey(t, "ES256")

	var asked atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwksBody(t, attacker.jwk()))
	}))
	t.Cleanup(evil.Close)

	cert := selfSignedCert(t, attacker.priv.(*ecdsa.PrivateKey))
	refs := map[string]any{
		"jku": evil.URL + "/jwks",
		"jwk": attacker.jwk(),
		"x5u": evil.URL + "/cert.pem",
		"x5c": []string{base64.StdEncoding.EncodeToString(cert)},
	}
	header := func(kid string, names ...string) map[string]any {
		h := map[string]any{"alg": "ES256"}
		if kid != "" {
			h["kid"] = kid
		}
		for _, n := range names {
			h[n] = refs[n]
		}
		return h
	}
	all := []string{"jku", "jwk", "x5u", "x5c"}

	tests := []struct {
		name   string
		header map[string]any
		want   []*Error
	}{
		{"all, attacker's kid", header(attacker.kid, all...), want(ErrKIDUnknown)},
		{"all, legit kid", header(legit.kid, all...), want(ErrSignatureInvalid)},
		{"all, no kid", header("", all...), want(ErrKIDUnknown, ErrTokenMalformed)},
		{"jku, attacker's kid", header(attacker.kid, "jku"), want(ErrKIDUnknown)},
		{"jwk, attacker's kid", header(attacker.kid, "jwk"), want(ErrKIDUnknown)},
		{"x5u, legit kid", header(legit.kid, "x5u"), want(ErrSignatureInvalid)},
		{"x5c, legit kid", header(legit.kid, "x5c"), want(ErrSignatureInvalid)},
		{"jwk, no kid", header("", "jwk"), want(ErrKIDUnknown, ErrTokenMalformed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(time.Minute) // past the cooldown: allow a fetch
			tok := attacker.signWith(t, tt.header, f.claims(nil))
			_, err := f.verify(tok)
			checkErr(t, err, tok, tt.want...)
		})
	}
	waitIdle(t, f.v)
	if n := asked.Load(); n != 0 {
		t.Errorf("the attacker's server got %d requests, want 0", n)
	}
	// A legit token still verifies, with jku and the rest present.
	tok := legit.signWith(t, header(legit.kid, all...), f.claims(nil))
	_, err := f.verify(tok)
	checkErr(t, err, tok, accepted...)
	if n := asked.Load(); n != 0 {
		t.Errorf("the attacker's server got %d requests, want 0", n)
	}
}

func selfSignedCert(tb testing.TB, key *ecdsa.PrivateKey) []byte {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attacker"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// signPSSAs signs with RSA-PSS whatever alg the header names.
func (k *testKey) signPSSAs(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	h := map[string]any{"alg": k.alg, "kid": k.kid}
	input := enc.EncodeToString(mustJSON(tb, h)) + "." + enc.EncodeToString(mustJSON(tb, claims))
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPSS(rand.Reader, k.priv.(*rsa.PrivateKey), crypto.SHA256, digest[:],
		&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}
