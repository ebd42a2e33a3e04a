package betterauth

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

const b64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// flipTrailingBit changes the last character of an unpadded base64url
// segment so that it decodes to the same bytes but sets a bit that a
// canonical encoding leaves zero (RFC 4648 §3.5).
func flipTrailingBit(seg string) (string, bool) {
	if len(seg)%4 == 0 {
		return "", false
	}
	last := strings.IndexByte(b64URLAlphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(b64URLAlphabet[last^1]), true
}

// withMembers appends raw JSON members to the encoded claims.
func withMembers(tb testing.TB, claims map[string]any, members string) []byte {
	tb.Helper()
	b := mustJSON(tb, claims)
	return append(append(b[:len(b)-1:len(b)-1], ","+members...), '}')
}

func nested(open, close string, depth int, inner string) string {
	return strings.Repeat(open, depth) + inner + strings.Repeat(close, depth)
}

// TestVerifier_VerifyCheapChecks feeds tokens that must be refused before
// any key is looked up. Every token names a key id the Verifier does not
// hold, and the cooldown has passed, so a check that came too late would
// show as a JWKS fetch.
func TestVerifier_VerifyCheapChecks(t *testing.T) {
	f := newFixture(t, Config{Secrets: []string{testSecret}}, newKey(t, "EdDSA"))
	k := newKey(t, "EdDSA") // not in the JWKS
	claims := f.claims(nil)
	hdr := map[string]any{"alg": "EdDSA", "kid": k.kid}
	hdrJSON := string(mustJSON(t, hdr))
	good := k.sign(t, claims)
	seg := strings.Split(good, ".")
	h, p, s := seg[0], seg[1], seg[2]
	raw := func(header, payload string) string {
		return k.signRaw(t, []byte(header), []byte(payload))
	}
	rawPayload := func(payload string) string { return raw(hdrJSON, payload) }
	rawHeader := func(header string) string { return raw(header, string(mustJSON(t, claims))) }
	members := func(m string) string { return string(withMembers(t, claims, m)) }
	pad := base64.URLEncoding

	type tc struct {
		name string
		tok  string
		want []*Error
	}
	malformed := want(ErrTokenMalformed)
	tests := []tc{
		{"empty", "", want(ErrTokenMissing)},
		{"one segment", h + p + s, malformed},
		{"two segments", h + "." + p, malformed},
		{"four segments", good + "." + s, malformed},
		{"five segments (JWE)", enc.EncodeToString([]byte(
			`{"alg":"dir","enc":"A256CBC-HS512","kid":"x"}`)) +
			"..AAAAAAAAAAAAAAAAAAAAAA.Y2lwaGVydGV4dA.dGFnLXRhZy10YWctdGFn", malformed},
		{"five non-empty segments", good + "." + s + "." + s, malformed},
		{"six segments", good + "." + s + "." + s + "." + s, malformed},
		{"only dots", "..", malformed},
		{"empty header", "." + p + "." + s, malformed},
		{"empty payload", h + ".." + s, malformed},
		{"empty signature", h + "." + p + ".", malformed},
		{"too large", k.sign(t, f.claims(func(c map[string]any) {
			c["pad"] = strings.Repeat("x", DefaultMaxTokenBytes)
		})), malformed},

		// Canonical unpadded base64url only.
		{"padded header", pad.EncodeToString([]byte(hdrJSON)) + "." + p + "." + s, malformed},
		{"padded signature", h + "." + p + "." + s + "==", malformed},
		{"one pad character", h + "." + p + "." + s + "=", malformed},
		{"padding inside", h + "=." + p + "." + s, malformed},
		{"standard alphabet", stdAlphabetToken(t, k, f), malformed},
		{"plus in signature", h + "." + p + "." + "+" + s[1:], malformed},
		{"slash in header", "/" + h[1:] + "." + p + "." + s, malformed},
		{"space in header", h[:10] + " " + h[10:] + "." + p + "." + s, malformed},
		{"tab in payload", h + "." + p[:10] + "\t" + p[10:] + "." + s, malformed},
		{"LF in signature", h + "." + p + "." + s[:8] + "\n" + s[8:], malformed},
		{"CR in signature", h + "." + p + "." + s[:8] + "\r" + s[8:], malformed},
		{"CRLF in header", h[:4] + "\r\n" + h[4:] + "." + p + "." + s, malformed},
		{"LF at end", good + "\n", malformed},
		{"CRLF at end", good + "\r\n", malformed},
		{"LF at start", "\n" + good, malformed},
		{"space at end", good + " ", malformed},
		{"space at start", " " + good, malformed},
		{"space after dot", h + ". " + p + "." + s, malformed},
		{"LF before dot", h + "\n." + p + "." + s, malformed},
		{"NUL in payload", h + "." + p[:5] + "\x00" + p[5:] + "." + s, malformed},
		{"bang in payload", h + "." + p[:5] + "!" + p[5:] + "." + s, malformed},
		{"non-ASCII in header", h[:5] + "é" + h[5:] + "." + p + "." + s, malformed},
		{"percent-encoded", h + "." + p + "." + s[:4] + "%2B" + s[4:], malformed},

		// JSON objects, strictly.
		{"header not JSON", rawHeader("not json"), malformed},
		{"header array", rawHeader(`["EdDSA"]`), malformed},
		{"header string", rawHeader(`"EdDSA"`), malformed},
		{"header null", rawHeader(`null`), malformed},
		{"header number", rawHeader(`42`), malformed},
		{"header empty object", rawHeader(`{}`), want(ErrAlgNotAllowed, ErrTokenMalformed)},
		{"header trailing garbage", rawHeader(hdrJSON + "x"), malformed},
		{"header two objects", rawHeader(hdrJSON + "{}"), malformed},
		{"header trailing comma", rawHeader(hdrJSON[:len(hdrJSON)-1] + ",}"), malformed},
		{"header single quotes", rawHeader(`{'alg':'EdDSA','kid':'` + k.kid + `'}`), malformed},
		{"header missing comma", rawHeader(`{"alg":"EdDSA" "kid":"` + k.kid + `"}`), malformed},
		{"header unterminated", rawHeader(hdrJSON[:len(hdrJSON)-1]), malformed},
		{"header with BOM", rawHeader("\ufeff" + hdrJSON), malformed},
		{"header bad escape", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","x":"\x"}`),
			malformed},
		{"header short unicode escape", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","x":"\u12"}`),
			malformed},
		{"header raw control character", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + "\x01" + `"}`),
			malformed},
		{"header leading zero", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","n":01}`),
			malformed},
		{"header plus number", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","n":+1}`),
			malformed},
		{"header bare dot number", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","n":1.}`),
			malformed},
		{"header NaN", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","n":NaN}`), malformed},
		{"header bad literal", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","n":tru}`),
			malformed},
		{"header comment", rawHeader(`{"alg":"EdDSA",/*c*/"kid":"` + k.kid + `"}`), malformed},
		{"payload not JSON", rawPayload("not json"), malformed},
		{"payload array", rawPayload(`[` + string(mustJSON(t, claims)) + `]`), malformed},
		{"payload string", rawPayload(`"user-1"`), malformed},
		{"payload null", rawPayload(`null`), malformed},
		{"payload number", rawPayload(`1`), malformed},
		{"payload true", rawPayload(`true`), malformed},
		{"payload trailing garbage", rawPayload(string(mustJSON(t, claims)) + "]"), malformed},
		{"payload two objects", rawPayload(string(mustJSON(t, claims)) + "{}"), malformed},
		{"payload unclosed array", rawPayload(members(`"roles":["a","b"`)), malformed},

		// No member named twice, at any depth, however it is spelled.
		{"alg twice", rawHeader(`{"alg":"EdDSA","alg":"EdDSA","kid":"` + k.kid + `"}`), malformed},
		{"alg none then EdDSA", rawHeader(`{"alg":"none","alg":"EdDSA","kid":"` + k.kid + `"}`),
			malformed},
		{"kid twice", rawHeader(`{"alg":"EdDSA","kid":"x","kid":"` + k.kid + `"}`), malformed},
		{"kid and escaped kid", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","k\u0069d":"x"}`),
			malformed},
		{"escaped alg and alg", rawHeader(`{"\u0061lg":"none","alg":"EdDSA","kid":"` + k.kid + `"}`),
			malformed},
		{"typ twice", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","typ":"JWT","typ":"at+jwt"}`),
			malformed},
		{"sub twice", rawPayload(members(`"sub":"admin"`)), malformed},
		{"sub and escaped sub", rawPayload(members(`"s\u0075b":"admin"`)), malformed},
		{"sub and upper-case escape", rawPayload(members(`"\u0073\u0055b":"x","s\u0075\u0062":"admin"`)),
			malformed},
		{"exp twice", rawPayload(members(`"exp":99999999999`)), malformed},
		{"aud twice", rawPayload(members(`"aud":"other"`)), malformed},
		{"iss and escaped iss", rawPayload(members(`"i\u0073s":"https://evil.example.com"`)),
			malformed},
		{"escaped slash in name", rawPayload(members(`"a\/b":1,"a/b":2`)), malformed},
		{"nested duplicate", rawPayload(members(`"user":{"id":"a","id":"b"}`)), malformed},
		{"nested escaped duplicate", rawPayload(members(`"user":{"id":"a","\u0069d":"b"}`)),
			malformed},
		{"duplicate in array element", rawPayload(members(`"roles":[{"n":1},{"n":1,"n":2}]`)),
			malformed},
		{"deep duplicate", rawPayload(members(nested(`{"a":`, `}`, 5, `{"b":1,"b":2}`)[5:])),
			malformed},
		{"duplicate in header object", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","x":{"y":1,"y":2}}`),
			malformed},

		// No crit: no extension is understood (RFC 7515 §4.1.11).
		{"crit", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","crit":["exp"],"exp":1}`),
			malformed},
		{"crit b64", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","crit":["b64"],"b64":false}`),
			malformed},
		{"crit empty", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","crit":[]}`), malformed},
		{"crit string", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","crit":"exp"}`), malformed},
		{"crit null", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + `","crit":null}`), malformed},

		// Valid UTF-8 only.
		{"invalid UTF-8 in header value", rawHeader(`{"alg":"EdDSA","kid":"` + k.kid + "\xff" + `"}`),
			malformed},
		{"invalid UTF-8 in claim", rawPayload(members(`"name":"Ada` + "\xff" + `"`)), malformed},
		{"invalid UTF-8 in name", rawPayload(members(`"na` + "\xfe" + `me2":"Ada"`)), malformed},
		{"overlong UTF-8", rawPayload(members(`"name2":"` + "\xc0\xaf" + `"`)), malformed},
		{"UTF-8 surrogate", rawPayload(members(`"name2":"` + "\xed\xa0\x80" + `"`)), malformed},
		{"truncated UTF-8", rawPayload(members(`"name2":"` + "\xe2\x82" + `"`)), malformed},
		{"Latin-1 payload", rawPayload(members(`"city":"K` + "\xf6" + `ln"`)), malformed},
		{"UTF-8 outside strings", rawPayload(members(`"n":1` + "\xc3\xa9")), malformed},

		// Bounded nesting.
		{"deep arrays", rawPayload(members(`"deep":` + nested("[", "]", 2000, ""))), malformed},
		{"deep objects", rawPayload(members(`"deep":` + nested(`{"a":`, "}", 200, "1"))),
			malformed},
		{"deep mixed", rawPayload(members(`"deep":` + nested(`[{"a":`, "}]", 100, "1"))),
			malformed},
		{"deep header", rawHeader(hdrJSON[:len(hdrJSON)-1] + `,"x":` + nested("[", "]", 500, "") + "}"),
			malformed},
	}
	for _, seg := range []struct {
		name string
		i    int
	}{{"header", 0}, {"payload", 1}, {"signature", 2}} {
		parts := strings.Split(good, ".")
		if flipped, ok := flipTrailingBit(parts[seg.i]); ok {
			parts[seg.i] = flipped
			tests = append(tests, tc{"non-canonical " + seg.name, strings.Join(parts, "."), malformed})
		}
	}
	if _, ok := flipTrailingBit(s); !ok {
		t.Fatal("the signature segment should have unused trailing bits")
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.fetches()
			_, err := f.verify(tt.tok)
			checkErr(t, err, tt.tok, tt.want...)
			if n := f.fetches() - before; n != 0 {
				t.Errorf("refusing the token fetched the JWKS %d times, want 0", n)
			}
		})
	}
}

// stdAlphabetToken returns a token of k in the standard base64 alphabet,
// choosing claims until its encoding differs from base64url.
func stdAlphabetToken(tb testing.TB, k *testKey, f *fixture) string {
	tb.Helper()
	std := strings.NewReplacer("-", "+", "_", "/")
	for i := 0; i < 1000; i++ {
		tok := k.sign(tb, f.claims(func(c map[string]any) { c["n"] = strconv.Itoa(i) }))
		if s := std.Replace(tok); s != tok {
			return s
		}
	}
	tb.Fatal("no token with - or _ in 1000 tries")
	return ""
}

// TestVerifier_VerifySizeCap checks the bound on token size exactly.
func TestVerifier_VerifySizeCap(t *testing.T) {
	k := newKey(t, "EdDSA")
	probe := newFixture(t, Config{}, k)
	tok := k.sign(t, probe.claims(nil))

	at := newFixture(t, Config{MaxTokenBytes: len(tok)}, k)
	tok = k.sign(t, at.claims(nil))
	if _, err := at.verify(tok); err != nil {
		t.Errorf("token of exactly MaxTokenBytes: %v", err)
	}
	below := newFixture(t, Config{MaxTokenBytes: len(tok) - 1}, k)
	tok = k.sign(t, below.claims(nil))
	_, err := below.verify(tok)
	checkErr(t, err, tok, ErrTokenMalformed)
	if n := below.fetches(); n != 1 {
		t.Errorf("fetches = %d, want 1 (the initial one)", n)
	}
}

// TestVerifier_VerifyEscapedMemberNames checks that a member name spelled
// with JSON escapes means the same as the plain name. Other JSON parsers,
// including the one behind Principal.Claims, unescape names, so a
// Verifier that compares the raw bytes would let "n\u0062f" or
// "t\u0079p" slip past the checks that "nbf" and "typ" get.
func TestVerifier_VerifyEscapedMemberNames(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k)
	now := f.clock.Now()
	claims := f.claims(nil)
	hdr := `{"alg":"EdDSA","kid":"` + k.kid + `"`
	payload := string(mustJSON(t, claims))
	future := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	past := strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)

	tests := []struct {
		name            string
		header, payload string
		want            []*Error
	}{
		{"escaped crit", hdr + `,"\u0063rit":["exp"],"exp":1}`, payload,
			want(ErrTokenMalformed)},
		{"escaped typ at+jwt", hdr + `,"t\u0079p":"at+jwt"}`, payload,
			want(ErrTokenTypeInvalid)},
		{"escaped typ session cache", hdr + `,"\u0074yp":"better-auth.session-cache+jwt"}`, payload,
			want(ErrTokenTypeInvalid)},
		{"escaped nbf in the future", hdr + "}", string(withMembers(t, claims, `"n\u0062f":`+future)),
			want(ErrTokenNotYetValid)},
		{"escaped exp in the past", hdr + "}", replaceMember(t, claims, "exp", `"\u0065xp":`+past),
			want(ErrTokenExpired, ErrTokenMalformed)},
		{"escaped aud elsewhere", hdr + "}",
			replaceMember(t, claims, "aud", `"\u0061ud":"https://evil.example.com"`),
			want(ErrAudienceInvalid, ErrTokenMalformed)},
		{"escaped iss elsewhere", hdr + "}",
			replaceMember(t, claims, "iss", `"\u0069ss":"https://evil.example.com"`),
			want(ErrIssuerInvalid, ErrTokenMalformed)},
		{"escaped iat in the future, plain absent", hdr + "}",
			replaceMember(t, claims, "iat", `"\u0069at":`+future),
			want(ErrTokenNotYetValid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := k.signRaw(t, []byte(tt.header), []byte(tt.payload))
			_, err := f.verify(tok)
			checkErr(t, err, tok, tt.want...)
		})
	}
}

// replaceMember encodes claims without name and adds the raw member.
func replaceMember(tb testing.TB, claims map[string]any, name, member string) string {
	tb.Helper()
	c := map[string]any{}
	for k, v := range claims {
		if k != name {
			c[k] = v
		}
	}
	return string(withMembers(tb, c, member))
}
