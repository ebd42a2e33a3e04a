package gatehouse

import (
	"errors"
	"strings"
	"testing"
)

func TestTaskInput_Validate(t *testing.T) {
	tests := []struct {
		name, title, desc string
		fields            []string
	}{
		{"trimmed title kept", "  Buy milk \n", "", nil},
		{"200 code points", strings.Repeat("é", 200), "", nil},
		{"201 code points", strings.Repeat("é", 201), "", []string{"title"}},
		{"blank", " \t ", "", []string{"title"}},
		{"NUL in title", "a\x00b", "", []string{"title"}},
		{"escape in title", "a\x1bb", "", []string{"title"}},
		{"invalid UTF-8", "a\xffb", "", []string{"title"}},
		{"NUL in description", "x", "a\x00b", []string{"description"}},
		{"newline in description", "x", "line one\nline two", nil},
		{"1001 in description", "x", strings.Repeat("d", 1001), []string{"description"}},
		{"both", "", strings.Repeat("d", 1001), []string{"title", "description"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := TaskInput{Title: tt.title, Description: tt.desc}
			err := in.Validate()
			var got []string
			var ve *ValidationError
			if errors.As(err, &ve) {
				for _, f := range ve.Fields {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("invalid fields = %v, want %v", got, tt.fields)
			}
			if err == nil && in.Title != strings.TrimSpace(tt.title) {
				t.Fatalf("title = %q, want it trimmed", in.Title)
			}
		})
	}
}
