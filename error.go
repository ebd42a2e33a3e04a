package gatehouse

import (
	"errors"
	"strings"
)

// Errors returned by every TaskStore. Callers match them with errors.Is.
var (
	// ErrNotFound reports a task that does not exist or is not the
	// caller's.
	ErrNotFound = errors.New("gatehouse: task not found")

	// ErrUnavailable reports storage that cannot be reached for now; the
	// request may succeed when retried.
	ErrUnavailable = errors.New("gatehouse: storage unavailable")
)

// FieldError names one invalid field of a request and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists the fields of a request that are invalid. Match it
// with errors.As.
type ValidationError struct {
	Fields []FieldError
}

// Add records that field is invalid.
func (v *ValidationError) Add(field, message string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Message: message})
}

// OrNil returns v when it holds at least one field, and nil otherwise.
func (v *ValidationError) OrNil() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

// Error lists the invalid fields.
func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return "gatehouse: invalid " + strings.Join(parts, "; ")
}

// Invalid returns a *ValidationError for a single field.
func Invalid(field, message string) error {
	return &ValidationError{Fields: []FieldError{{field, message}}}
}
