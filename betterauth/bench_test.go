//go:build unix

package betterauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"math/big"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// cpuTimer reports, besides wall time, the CPU time this process spent per
// operation (user and system, all threads). On a shared machine it moves
// less than wall time when other work takes the CPU away.
func cpuTimer(b *testing.B) (stop func()) {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var benchAlgs = []string{"HS256", "EdDSA", "ES256", "ES512", "RS256", "PS256"}

// benchSetup signs a realistic BetterAuth token with a new key of alg and
// returns it with a ready Verifier whose token cache has cacheSize entries.
func benchSetup(b *testing.B, alg string, cacheSize int) (*testKey, string, *Verifier) {
	b.Helper()
	k := newTestKey(b, alg)
	srv := newJWKSServer(b, k)
	cfg := Config{TokenCacheSize: cacheSize}
	if alg == "HS256" {
		srv.setKeys()
		cfg.Secrets = []string{testSecret}
	}
	v := newTestVerifier(b, srv, cfg)
	waitReady(b, v)
	tok := k.sign(b, userClaimsAt("hGDj3RDbrnAvUqy0Te8RfKcuzNqmRJ3b", time.Now()))
	if _, err := v.Verify(context.Background(), tok); err != nil {
		b.Fatalf("Verify: %v", err)
	}
	return k, tok, v
}

// BenchmarkVerify measures full verification with the token cache off.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			_, tok, v := benchSetup(b, alg, -1)
			b.ReportAllocs()
			defer cpuTimer(b)()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("HS256-golang-jwt", func(b *testing.B) {
		k, tok, _ := benchSetup(b, "HS256", -1)
		parse := golangJWT(k)
		b.ReportAllocs()
		defer cpuTimer(b)()
		for b.Loop() {
			if err := parse(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// golangJWT returns golang-jwt v5 parsing an HS256 token signed by k into a
// claims map, with the checks Verify makes: algorithm, issuer, audience,
// expiry and leeway.
func golangJWT(k *testKey) func(tok string) error {
	secret := k.priv.([]byte)
	keyFunc := func(*jwt.Token) (any, error) { return secret, nil }
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithIssuer(testBaseURL),
		jwt.WithAudience(testBaseURL),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(DefaultLeeway),
	)
	return func(tok string) error {
		_, err := parser.ParseWithClaims(tok, jwt.MapClaims{}, keyFunc)
		return err
	}
}

// BenchmarkVerifyCached measures verification of a token already seen.
func BenchmarkVerifyCached(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			_, tok, v := benchSetup(b, alg, 0)
			b.ReportAllocs()
			defer cpuTimer(b)()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignature is the floor: the bare standard-library check of the
// same token's signature, hashing included, and nothing else.
func BenchmarkSignature(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			k, tok, _ := benchSetup(b, alg, -1)
			floor := floorCheck(b, k, tok)
			b.ReportAllocs()
			defer cpuTimer(b)()
			for b.Loop() {
				if err := floor(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// floorCheck returns the standard-library check of tok's signature alone.
func floorCheck(b *testing.B, k *testKey, tok string) func() error {
	dot := strings.LastIndexByte(tok, '.')
	input := []byte(tok[:dot])
	sig, err := enc.DecodeString(tok[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	check := stdlibCheck(k)
	return func() error {
		if !check(input, sig) {
			return errors.New("signature did not verify")
		}
		return nil
	}
}

func stdlibCheck(k *testKey) func(input, sig []byte) bool {
	switch p := k.priv.(type) {
	case []byte:
		return func(input, sig []byte) bool {
			m := hmac.New(sha256.New, p)
			m.Write(input)
			return hmac.Equal(m.Sum(nil), sig)
		}
	case ed25519.PrivateKey:
		pub := p.Public().(ed25519.PublicKey)
		return func(input, sig []byte) bool { return ed25519.Verify(pub, input, sig) }
	case *ecdsa.PrivateKey:
		return func(input, sig []byte) bool {
			var digest []byte
			if k.alg == "ES512" {
				d := sha512.Sum512(input)
				digest = d[:]
			} else {
				d := sha256.Sum256(input)
				digest = d[:]
			}
			half := len(sig) / 2
			r := new(big.Int).SetBytes(sig[:half])
			s := new(big.Int).SetBytes(sig[half:])
			return ecdsa.Verify(&p.PublicKey, digest, r, s)
		}
	case *rsa.PrivateKey:
		return func(input, sig []byte) bool {
			d := sha256.Sum256(input)
			if k.alg == "PS256" {
				opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
				return rsa.VerifyPSS(&p.PublicKey, crypto.SHA256, d[:], sig, opts) == nil
			}
			return rsa.VerifyPKCS1v15(&p.PublicKey, crypto.SHA256, d[:], sig) == nil
		}
	}
	panic("no check")
}

// BenchmarkRatio alternates a full verification (token cache off) with the
// floor check of the same token, timing each, and reports how many times
// the floor the verification costs. Measured in alternation, both see the
// same machine, which matters on a shared one. HS256-golang-jwt compares
// the HS256 verification with golang-jwt's instead of with the floor.
func BenchmarkRatio(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			k, tok, v := benchSetup(b, alg, -1)
			floor := floorCheck(b, k, tok)
			reportRatio(b, "verify/floor",
				func() error { _, err := v.Verify(ctx, tok); return err },
				floor)
		})
	}
	b.Run("HS256-golang-jwt", func(b *testing.B) {
		k, tok, v := benchSetup(b, "HS256", -1)
		parse := golangJWT(k)
		reportRatio(b, "verify/golang-jwt",
			func() error { _, err := v.Verify(ctx, tok); return err },
			func() error { return parse(tok) })
	})
}

// reportRatio runs a and then ref once per iteration and reports the ratio
// of their total times.
func reportRatio(b *testing.B, unit string, a, ref func() error) {
	var ta, tref time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := a(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := ref(); err != nil {
			b.Fatal(err)
		}
		ta += t1.Sub(t0)
		tref += time.Since(t1)
	}
	b.ReportMetric(float64(ta)/float64(tref), unit)
}
