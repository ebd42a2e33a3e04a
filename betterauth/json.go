package betterauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of objects and arrays in a token.
const maxJSONDepth = 32

var (
	errJSONSyntax    = errors.New("invalid JSON")
	errJSONDuplicate = errors.New("duplicate member name")
	errJSONDepth     = errors.New("JSON nested too deeply")
	errJSONNotObject = errors.New("not a JSON object")
)

// scanObject checks that data is exactly one JSON object (RFC 8259) whose
// strings are valid UTF-8 and in which no object, at any depth, names a
// member twice. It calls visit with each top-level member's name (quoted,
// with escapes decoded) and raw value. encoding/json accepts duplicate names,
// letting the last one win; a verifier must not, since two parsers may then
// disagree on which claim was signed.
func scanObject(data []byte, visit func(name, value []byte) error) error {
	s := scanner{data: data}
	s.space()
	if s.peek() != '{' {
		return errJSONNotObject
	}
	if err := s.object(0, visit); err != nil {
		return err
	}
	s.space()
	if s.pos != len(s.data) {
		return errJSONSyntax
	}
	return nil
}

type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) error {
	if depth > maxJSONDepth {
		return errJSONDepth
	}
	switch c := s.peek(); {
	case c == '{':
		return s.object(depth, nil)
	case c == '[':
		return s.array(depth)
	case c == '"':
		_, err := s.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return errJSONSyntax
}

func (s *scanner) object(depth int, visit func(name, value []byte) error) error {
	s.pos++             // '{'
	var seen [16][]byte // most objects have fewer members: no allocation
	names := seen[:0]
	s.space()
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		s.space()
		name, err := s.str()
		if err != nil {
			return err
		}
		key, err := memberKey(name)
		if err != nil {
			return err
		}
		for _, seen := range names {
			if bytes.Equal(seen, key) {
				return errJSONDuplicate
			}
		}
		names = append(names, key)
		s.space()
		if s.peek() != ':' {
			return errJSONSyntax
		}
		s.pos++
		s.space()
		start := s.pos
		if err := s.value(depth + 1); err != nil {
			return err
		}
		if visit != nil {
			if err := visit(key, s.data[start:s.pos]); err != nil {
				return err
			}
		}
		s.space()
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// memberKey returns a member name in the form names are compared in:
// unescaped, so that "a" and "\u0061" are the same name.
func memberKey(name []byte) ([]byte, error) {
	if bytes.IndexByte(name, '\\') < 0 {
		return name, nil
	}
	var decoded string
	if err := json.Unmarshal(name, &decoded); err != nil {
		return nil, errJSONSyntax
	}
	return []byte(`"` + decoded + `"`), nil
}

func (s *scanner) array(depth int) error {
	s.pos++ // '['
	s.space()
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for {
		s.space()
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// str consumes a string and returns it with its quotes.
func (s *scanner) str() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errJSONSyntax
	}
	start := s.pos
	s.pos++
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.data[start:s.pos], nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return nil, err
			}
		case c < 0x20:
			return nil, errJSONSyntax
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size == 1 {
				return nil, errJSONSyntax
			}
			s.pos += size
		}
	}
	return nil, errJSONSyntax
}

func (s *scanner) escape() error {
	s.pos++ // '\\'
	switch s.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos++
		return nil
	case 'u':
		if s.pos+5 > len(s.data) {
			return errJSONSyntax
		}
		for _, h := range s.data[s.pos+1 : s.pos+5] {
			if !isHex(h) {
				return errJSONSyntax
			}
		}
		s.pos += 5
		return nil
	}
	return errJSONSyntax
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) number() error {
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return errJSONSyntax
	}
	if s.peek() == '.' {
		s.pos++
		if s.digits() == 0 {
			return errJSONSyntax
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if s.digits() == 0 {
			return errJSONSyntax
		}
	}
	return nil
}

func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return errJSONSyntax
	}
	s.pos += len(lit)
	return nil
}

// jsonString decodes a raw JSON string value, quotes included.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}
