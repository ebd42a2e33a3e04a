package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// MaxBodyBytes bounds a request body; a longer one is answered with 413.
const MaxBodyBytes = 64 << 10

// Media types of request bodies.
const (
	mediaJSON       = "application/json"
	mediaMergePatch = "application/merge-patch+json" // RFC 7396 §4
)

// writeJSON writes v as the JSON body of a successful response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", mediaJSON)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readObject reads a request body that must be of one of the media types,
// at most MaxBodyBytes long, and exactly one JSON object in UTF-8. It
// returns the object's members, undecoded.
func readObject(w http.ResponseWriter, r *http.Request,
	media ...string) (map[string]json.RawMessage, error) {
	if err := checkMediaType(r, media); err != nil {
		return nil, err
	}
	tooLarge := errorf(codePayloadTooLarge,
		"The body is longer than %d bytes.", MaxBodyBytes)
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, gatehouse.Invalid("body", "could not be read")
	}
	return parseObject(body)
}

func checkMediaType(r *http.Request, allowed []string) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	charset, hasCharset := params["charset"]
	if err != nil || !slices.Contains(allowed, mt) ||
		(hasCharset && !strings.EqualFold(charset, "utf-8")) {
		return errorf(codeUnsupportedMediaType,
			"The body must be %s in UTF-8.", strings.Join(allowed, " or "))
	}
	return nil
}

// parseObject splits body, which must hold one JSON object and nothing but
// white space after it, into its members. A member named twice is refused:
// parsers disagree on which of the two counts.
func parseObject(body []byte) (map[string]json.RawMessage, error) {
	notJSON := gatehouse.Invalid("body", "is not a valid JSON object")
	if !utf8.Valid(body) {
		return nil, gatehouse.Invalid("body", "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notJSON
	}

	members := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notJSON
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, notJSON
		}
		if _, twice := members[name]; twice {
			return nil, gatehouse.Invalid(fieldName(name), "is given more than once")
		}
		members[name] = value
	}

	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, notJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, gatehouse.Invalid("body", "has data after the JSON object")
	}
	return members, nil
}

// fieldName returns name for an error message when it is short and plain,
// and otherwise a placeholder: a name a client made up may be anything,
// a token included, and no response echoes a token.
func fieldName(name string) string {
	if len(name) == 0 || len(name) > 32 {
		return "(unknown)"
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "(unknown)"
		}
	}
	return name
}

// members reads the members of a request object by name and collects what
// is wrong with them.
type members struct {
	m map[string]json.RawMessage
	v gatehouse.ValidationError
}

// only refuses every member but the named ones. The fields the server
// keeps are named read-only, in case a client tries to set them.
func (ms *members) only(names ...string) {
	var unknown []string
	for name := range ms.m {
		if !slices.Contains(names, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		switch name {
		case "id", "user_id", "created_at", "updated_at":
			ms.v.Add(name, "is read-only")
		default:
			ms.v.Add(fieldName(name), "is not a known field")
		}
	}
}

// str reads a string member. It returns nil when the member is absent, is
// null and nullable, or is not a string.
func (ms *members) str(name string, nullable bool) (s *string, present bool) {
	raw, ok := ms.m[name]
	if !ok {
		return nil, false
	}
	if string(raw) == "null" {
		if !nullable {
			ms.v.Add(name, "must not be null")
		}
		return nil, true
	}
	var value string
	if raw[0] != '"' || json.Unmarshal(raw, &value) != nil {
		ms.v.Add(name, "must be a string")
		return nil, true
	}
	return &value, true
}

// boolean reads a boolean member, which may not be null. It returns nil
// when the member is absent or not a boolean.
func (ms *members) boolean(name string) *bool {
	raw, ok := ms.m[name]
	if !ok {
		return nil
	}
	var value bool
	if string(raw) == "null" || json.Unmarshal(raw, &value) != nil {
		ms.v.Add(name, "must be true or false")
		return nil
	}
	return &value
}

// err returns the collected problems as a *gatehouse.ValidationError, or
// nil.
func (ms *members) err() error { return ms.v.OrNil() }
