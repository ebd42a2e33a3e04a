package gatehouse_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/google/go-cmp/cmp"
)

func TestTaskCursor_String(t *testing.T) {
	at := time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC)
	for _, c := range []gatehouse.TaskCursor{
		{Sort: "created_at", Status: "all", Time: at, ID: "id-1"},
		{Sort: "updated_at", Desc: true, Status: "completed", Time: at, ID: "2"},
		{Sort: "created_at", Status: "pending", Time: time.Unix(0, 0).UTC(),
			ID: "epoch"},
		{Sort: "title", Status: "all", Title: `e` + "\u0301 \"😀\" <&>",
			ID: "3"},
		{Sort: "title", Status: "all", Title: "", ID: "empty title"},
		{Sort: "title", Status: "all",
			Title: strings.Repeat("\u2028", gatehouse.MaxTitleLength),
			ID:    "0190a5b4-7c1e-7d3a-9f00-0123456789ab"},
	} {
		s := c.String()
		if strings.ContainsAny(s, "+/=") {
			t.Errorf("cursor %q is not unpadded base64url", s)
		}
		got, err := gatehouse.ParseTaskCursor(s)
		if err != nil {
			t.Fatalf("ParseTaskCursor(%+v): %v", c, err)
		}
		if d := cmp.Diff(c, got); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}
	}
}

func TestParseTaskCursor_Malformed(t *testing.T) {
	b64 := func(s string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(s))
	}
	for _, s := range []string{
		"",
		"not base64!",
		b64("not json"),
		b64(`{"s":"title","f":"all","id":"x"} {}`),
		b64(`{"s":"title","f":"all"}`),
		b64(`{"s":"","f":"all","id":"x"}`),
		b64(`{"s":"rank","f":"all","id":"x"}`),
		b64(`{"s":"title","f":"done","id":"x"}`),
		b64(`{"s":"title","f":"all","id":"x","extra":1}`),
		b64(`{"s":"created_at","f":"all","t":"yesterday","id":"x"}`),
		b64(`["title","all","x"]`),
		strings.Repeat("A", 5000),
	} {
		_, err := gatehouse.ParseTaskCursor(s)
		var v *gatehouse.ValidationError
		if !errors.As(err, &v) || len(v.Fields) != 1 ||
			v.Fields[0].Field != "cursor" {
			t.Errorf("ParseTaskCursor(%q): got %v, want a ValidationError "+
				"on cursor", s, err)
		}
	}
}

func TestStoredTime(t *testing.T) {
	zone := time.FixedZone("west", -7*3600)
	in := time.Date(2026, 1, 1, 0, 30, 0, 123456789, zone)
	got := gatehouse.StoredTime(in)
	want := time.Date(2026, 1, 1, 7, 30, 0, 123456000, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("StoredTime(%v) = %v, want %v", in, got, want)
	}
	before := time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)
	if got := gatehouse.StoredTime(before); got.Nanosecond() != 999999000 {
		t.Errorf("StoredTime(%v) = %v, want truncation toward the past",
			before, got)
	}
}

func TestParseTaskCursor_TimeOutOfRange(t *testing.T) {
	for _, micros := range []int64{-210866803200000001, -9223372036854775808, 9223372036854775807} {
		raw, _ := json.Marshal(map[string]any{"s": "created_at", "d": false, "f": "all", "t": micros, "id": "x"})
		if _, err := gatehouse.ParseTaskCursor(base64.RawURLEncoding.EncodeToString(raw)); err == nil {
			t.Errorf("cursor at %d microseconds was accepted", micros)
		}
	}
}
