package betterauth

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary tokens to a Verifier holding one HS256 secret
// and no JWKS. Whatever the input, Verify must not panic, must answer with
// exactly one of the package's sentinels, and must never accept a token
// that the secret did not sign. The seed corpus is in testdata/fuzz.
func FuzzVerify(f *testing.F) {
	k := newTestKey(f, "HS256")
	f.Add(k.sign(f, userClaimsAt("user-1", time.Now())))
	f.Add(k.signRaw(f, []byte(`{"alg":"HS256"}`), []byte(`{"sub":"a","sub":"b"}`)))
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	v := newTestVerifier(f, nil, Config{Secrets: []string{testSecret}, TokenCacheSize: -1})
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, tok string) {
		p, err := v.Verify(ctx, tok)
		if err == nil {
			// Only a correctly signed token may pass: re-signing its
			// header and payload must reproduce its signature.
			dot := strings.LastIndexByte(tok, '.')
			want := enc.EncodeToString(k.signature(t, []byte(tok[:dot])))
			if tok[dot+1:] != want || p.Subject == "" {
				t.Fatalf("accepted a token that the secret did not sign")
			}
			return
		}
		if Code(err) == "" {
			t.Fatalf("error %v matches no sentinel", err)
		}
		if len(tok) > 8 && strings.Contains(err.Error(), tok) {
			t.Fatalf("error text contains the token")
		}
	})
}

// FuzzScanObject checks the strict JSON scanner against encoding/json: all
// it accepts, encoding/json must accept too, with the same top-level
// members, and every object it accepts has unique member names.
func FuzzScanObject(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":1,"b":2}}`,
		`{"s\u0075b":"x","sub":"y"}`, `{"a":[1,2,{"c":null}]}`, `[]`,
		`{"a":"\ud800"}`, `{"a":1e400}`, `{"a":-0.5E+3}`, "{\"a\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		members := 0
		err := scanObject(data, func(name, value []byte) error {
			members++
			return nil
		})
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("scanner accepted invalid JSON %q", data)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("scanner accepted %q that is no object: %v", data, err)
		}
		if len(m) != members {
			t.Fatalf("scanner saw %d members, encoding/json %d: duplicate names got through", members, len(m))
		}
	})
}

func TestFuzzSeedsAreRefusedOrAccepted(t *testing.T) {
	// The seed corpus itself must run clean under the plain test runner;
	// this also checks that a duplicate claim is refused.
	k := newTestKey(t, "HS256")
	v := newTestVerifier(t, nil, Config{Secrets: []string{testSecret}})
	claims := `{"sub":"a","sub":"b","exp":4102444800,"iss":"https://app.example.com","aud":"https://app.example.com"}`
	tok := k.signRaw(t, []byte(`{"alg":"HS256"}`), []byte(claims))
	_, err := v.Verify(context.Background(), tok)
	if !errors.Is(err, ErrTokenMalformed) {
		t.Fatalf("duplicate sub: got %v, want ErrTokenMalformed", err)
	}
}
