package metaprops

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Property
	}{
		{"equals", "a=b\n", []Property{{"a", "b", 1}}},
		{"colon", "a: b", []Property{{"a", "b", 1}}},
		{"space separator", "a   b c", []Property{{"a", "b c", 1}}},
		{"blanks around separator", " \t a \t = \t b ", []Property{{"a", "b ", 1}}},
		{"empty value", "a=\nb", []Property{{"a", "", 1}, {"b", "", 2}}},
		{"comments and blanks", "# c\n! c2\n\n   \n  # indented\nk=v", []Property{{"k", "v", 6}}},
		{"hash inside value", "k=v#not a comment", []Property{{"k", "v#not a comment", 1}}},
		{"second separator is value", "k==v", []Property{{"k", "=v", 1}}},
		{"space then equals twice", "k = = v", []Property{{"k", "= v", 1}}},
		{"continuation", "k=a,\\\n    b,\\\n\tc\nnext=1", []Property{{"k", "a,b,c", 1}, {"next", "1", 4}}},
		{"even backslashes do not continue", "k=a\\\\\nb=c", []Property{{"k", `a\`, 1}, {"b", "c", 2}}},
		{"continuation line starting with hash", "k=a\\\n#b", []Property{{"k", "a#b", 1}}},
		{"comment does not continue", "#c\\\nk=v", []Property{{"k", "v", 2}}},
		{"continuation at eof", "k=a\\", []Property{{"k", "a", 1}}},
		{"escapes", `k=\t\n\r\f\u0041\=\:\\\x`, []Property{{"k", "\t\n\r\fA=:\\x", 1}}},
		{"escaped separator in key", `a\=b\ c=d`, []Property{{"a=b c", "d", 1}}},
		{"surrogate pair", `k=\uD83D\uDE00`, []Property{{"k", "😀", 1}}},
		{"utf8", "k=/données", []Property{{"k", "/données", 1}}},
		{"latin1", "k=caf\xe9", []Property{{"k", "café", 1}}},
		{"crlf and cr", "a=1\r\nb=2\rc=3", []Property{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}}},
		{"repeated key", "a=1\na=2", []Property{{"a", "1", 1}, {"a", "2", 2}}},
		{"key only", "lonely", []Property{{"lonely", "", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParsePropertiesMalformedUnicode(t *testing.T) {
	for _, in := range []string{`k=\u12`, `k=\uZZZZ`, "a=1\nk\\u00=v"} {
		_, err := ParseProperties([]byte(in))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line == 0 {
			t.Errorf("%q: err %v, want a SyntaxError with a line", in, err)
		}
	}
}

func TestFormatPropertiesRoundTrip(t *testing.T) {
	props := []Property{
		{Key: "plain", Value: "value"},
		{Key: "key with spaces", Value: " leading and trailing "},
		{Key: "sep=:#!", Value: "a=b:c#d!e"},
		{Key: "ctl", Value: "tab\tnl\ncr\rff\f\x01\\"},
		{Key: "unicode", Value: "données 😀"},
		{Key: "empty", Value: ""},
	}
	data := FormatProperties("first\nsecond", props)
	got, err := ParseProperties(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(props) {
		t.Fatalf("got %d properties from %q", len(got), data)
	}
	for i := range props {
		if got[i].Key != props[i].Key || got[i].Value != props[i].Value {
			t.Errorf("%d: got %q=%q, want %q=%q", i, got[i].Key, got[i].Value, props[i].Key, props[i].Value)
		}
	}
}

// FuzzParseProperties feeds arbitrary bytes (a damaged or hostile
// properties file): parsing must not panic, and whatever parses must
// survive a format/parse round trip.
func FuzzParseProperties(f *testing.F) {
	f.Add([]byte("a=b\n# c\nk v\\\n  w\n"))
	f.Add([]byte(`k=\u0041\uD83D\uDE00\`))
	f.Add([]byte("version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAQ\nnode.id=1\n"))
	f.Add([]byte("\xff\xfe=\r\n\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		props, err := ParseProperties(data)
		if err != nil {
			return
		}
		for _, p := range props {
			if !utf8.ValidString(p.Key) || !utf8.ValidString(p.Value) {
				return // lone surrogates from \u escapes; not representable
			}
		}
		again, err := ParseProperties(FormatProperties("", props))
		if err != nil {
			t.Fatalf("formatted output does not parse: %v", err)
		}
		if len(again) != len(props) {
			t.Fatalf("round trip: %d properties, want %d", len(again), len(props))
		}
		for i := range props {
			if again[i].Key != props[i].Key || again[i].Value != props[i].Value {
				t.Fatalf("round trip %d: %q=%q, want %q=%q", i, again[i].Key, again[i].Value, props[i].Key, props[i].Value)
			}
		}
	})
}
