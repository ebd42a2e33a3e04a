package betterauth

import (
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// token is a compact JWS that passed the cheap checks: size, shape,
// canonical base64url, strict JSON and an allowed algorithm. Its claims are
// parsed but not yet checked, and its signature not yet verified.
type token struct {
	alg, kid, typ string
	signingInput  []byte
	signature     []byte
	payload       []byte
	claims        claims
}

// claims are the registered claims the access-token profile checks.
type claims struct {
	sub, iss           string
	hasSub, hasIss     bool
	aud                []string
	exp, nbf, iat      time.Time
	hasExp, hasNbf     bool
	hasIat, subNotText bool
}

var b64 = base64.RawURLEncoding.Strict()

// parseToken performs every check that needs neither a key nor the network.
func parseToken(raw string, s *settings) (*token, error) {
	if len(raw) > s.MaxTokenBytes {
		return nil, fail(ErrTokenMalformed, "token is too large")
	}
	first, second, err := splitCompact(raw)
	if err != nil {
		return nil, err
	}
	// One buffer holds the token's bytes, then the decoded header, payload
	// and signature.
	buf := make([]byte, len(raw)+b64.DecodedLen(len(raw)))
	in, out := buf[:len(raw):len(raw)], buf[len(raw):]
	copy(in, raw)
	header, n, err := decodeSegment(out, in[:first])
	if err != nil {
		return nil, err
	}
	payload, m, err := decodeSegment(out[n:], in[first+1:second])
	if err != nil {
		return nil, err
	}
	sig, _, err := decodeSegment(out[n+m:], in[second+1:])
	if err != nil {
		return nil, err
	}

	t := &token{signature: sig, payload: payload}
	if err := t.parseHeader(header, s); err != nil {
		return nil, err
	}
	if err := t.parseClaims(payload); err != nil {
		return nil, err
	}
	t.signingInput = in[:second]
	return t, nil
}

// splitCompact checks that raw is three non-empty segments and returns the
// positions of its two dots. Five segments are a JWE. The base64url
// alphabet is enforced by decodeSegment, except for CR and LF, which Go's
// decoder skips silently and which are therefore refused here.
func splitCompact(raw string) (int, int, error) {
	if strings.IndexByte(raw, '\r') >= 0 || strings.IndexByte(raw, '\n') >= 0 {
		return 0, 0, fail(ErrTokenMalformed, "token has a character outside base64url")
	}
	switch strings.Count(raw, ".") {
	case 2:
	case 4:
		return 0, 0, fail(ErrTokenMalformed, "token is encrypted (JWE), not a signed JWT")
	default:
		return 0, 0, fail(ErrTokenMalformed, "token is not three dot-separated segments; "+
			"BetterAuth session tokens are not API tokens, get a JWT from /api/auth/token")
	}
	first := strings.IndexByte(raw, '.')
	second := first + 1 + strings.IndexByte(raw[first+1:], '.')
	if first == 0 || second == first+1 || second == len(raw)-1 {
		return 0, 0, fail(ErrTokenMalformed, "token has an empty segment")
	}
	return first, second, nil
}

// decodeSegment decodes canonical unpadded base64url into dst; Strict
// decoding refuses encodings with stray trailing bits.
func decodeSegment(dst, seg []byte) ([]byte, int, error) {
	n, err := b64.Decode(dst, seg)
	if err != nil {
		return nil, 0, fail(ErrTokenMalformed, "token segment is not canonical base64url")
	}
	return dst[:n:n], n, nil
}

func (t *token) parseHeader(header []byte, s *settings) error {
	var hasAlg, hasKid, hasTyp, crit bool
	err := scanObject(header, func(name, value []byte) error {
		var ok bool
		switch string(name) {
		case `"alg"`:
			t.alg, ok = jsonString(value)
			hasAlg = true
		case `"kid"`:
			t.kid, ok = jsonString(value)
			hasKid = true
		case `"typ"`:
			t.typ, ok = jsonString(value)
			hasTyp = true
		case `"crit"`:
			crit, ok = true, true
		default:
			// Other members, including jwk, jku, x5u and x5c, are
			// never used: keys come only from the configuration.
			ok = true
		}
		if !ok {
			return errHeaderType
		}
		return nil
	})
	switch {
	case err == errHeaderType:
		return err
	case err != nil:
		return fail(ErrTokenMalformed, "token header is not a valid JSON object: "+err.Error())
	case !hasAlg || !s.algs[t.alg]:
		return fail(ErrAlgNotAllowed, algRefusal(t.alg, s))
	case crit:
		// No extension is understood, so any crit must be refused
		// (RFC 7515 §4.1.11).
		return fail(ErrTokenMalformed, "token header has a crit member")
	case t.alg != "HS256" && (!hasKid || t.kid == ""):
		return fail(ErrKIDUnknown, "token names no key id")
	}
	if hasTyp {
		return t.checkType(s)
	}
	return nil
}

// algRefusal explains a refused alg. Only names from the fixed set below
// are repeated, never whatever the token holds.
func algRefusal(alg string, s *settings) string {
	switch {
	case alg == "HS256" && len(s.hmacKeys) == 0:
		return "HS256 needs a shared secret and none is configured"
	case slices.Contains(AsymmetricAlgorithms, alg) && !s.jwksEnabled:
		return alg + " needs a JWKS and none is configured"
	case alg == "HS256" || slices.Contains(AsymmetricAlgorithms, alg):
		return alg + " is not among the allowed algorithms"
	}
	return "token's alg is missing or not supported"
}

var errHeaderType = &detailError{ErrTokenMalformed, "a token header member has the wrong type"}

// checkType admits an absent typ or JWT, and at+jwt only when the
// configuration admits access tokens. Media types compare case-insensitively
// with an optional "application/" prefix (RFC 7515 §4.1.9).
func (t *token) checkType(s *settings) error {
	typ := strings.ToLower(t.typ)
	typ = strings.TrimPrefix(typ, "application/")
	switch {
	case typ == "jwt":
		t.typ = ""
		return nil
	case typ == "at+jwt" && len(s.accessAud) > 0:
		t.typ = "at+jwt"
		return nil
	}
	return fail(ErrTokenTypeInvalid, "token's typ is not JWT")
}

func (t *token) parseClaims(payload []byte) error {
	c := &t.claims
	err := scanObject(payload, func(name, value []byte) error {
		var ok bool
		switch string(name) {
		case `"sub"`:
			c.sub, ok = jsonString(value)
			c.hasSub, c.subNotText, ok = true, !ok, true
		case `"iss"`:
			c.iss, ok = jsonString(value)
			c.hasIss = true
		case `"aud"`:
			c.aud, ok = audience(value)
		case `"exp"`:
			c.exp, ok = numericDate(value)
			c.hasExp = true
		case `"nbf"`:
			c.nbf, ok = numericDate(value)
			c.hasNbf = true
		case `"iat"`:
			c.iat, ok = numericDate(value)
			c.hasIat = true
		default:
			ok = true
		}
		if !ok {
			return errClaimType
		}
		return nil
	})
	if err == errClaimType {
		return fail(ErrTokenMalformed, "a registered claim has the wrong type")
	}
	if err != nil {
		return fail(ErrTokenMalformed, "token claims are not a valid JSON object: "+err.Error())
	}
	return nil
}

var errClaimType = &detailError{ErrTokenMalformed, "claim type"}

// audience reads aud as a string or an array of strings (RFC 7519 §4.1.3).
func audience(value []byte) ([]string, bool) {
	if s, ok := jsonString(value); ok {
		return []string{s}, true
	}
	if value[0] != '[' {
		return nil, false
	}
	var auds []string
	var bad bool
	s := scanner{data: value, pos: 1}
	for {
		s.space()
		if s.peek() == ']' {
			break
		}
		start := s.pos
		if _, err := s.str(); err != nil {
			return nil, false
		}
		v, ok := jsonString(value[start:s.pos])
		bad = bad || !ok
		auds = append(auds, v)
		s.space()
		if s.peek() == ',' {
			s.pos++
		}
	}
	return auds, !bad
}

// numericDate reads a JSON number of seconds since the epoch (RFC 7519
// §2). Values beyond the range of time.Time are clamped.
func numericDate(value []byte) (time.Time, bool) {
	if value[0] != '-' && (value[0] < '0' || value[0] > '9') {
		return time.Time{}, false
	}
	if sec, ok := smallInteger(value); ok {
		return time.Unix(sec, 0), true
	}
	f, err := strconv.ParseFloat(string(value), 64)
	if err != nil && !isRangeError(err) {
		return time.Time{}, false
	}
	const limit = 1 << 40 // about 35,000 years
	f = math.Max(-limit, math.Min(limit, f))
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// smallInteger reads the common case of a NumericDate, a non-negative
// integer of at most 12 digits, without allocating.
func smallInteger(value []byte) (int64, bool) {
	if len(value) == 0 || len(value) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range value {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func sha256New() hash.Hash { return sha256.New() }
