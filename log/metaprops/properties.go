package metaprops

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Property is one key/value pair of a .properties file. Line is the
// 1-based line where its logical line starts, for error messages.
type Property struct {
	Key, Value string
	Line       int
}

// SyntaxError reports a malformed .properties file.
type SyntaxError struct {
	Line   int
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// ParseProperties reads a file in Java's .properties format, as
// java.util.Properties.load does: blank lines and lines whose first
// non-blank character is '#' or '!' are skipped; a line ending in an odd
// number of backslashes continues on the next line (whose leading blanks
// are dropped); the key ends at the first unescaped '=', ':' or blank, and
// one '=' or ':' with blanks around it separates it from the value; \t \n
// \r \f \uXXXX are escapes and a backslash before any other character
// stands for that character.
//
// Java reads the bytes as ISO-8859-1. Skiff reads them as UTF-8 when they
// are valid UTF-8 (so non-ASCII paths work as written) and as ISO-8859-1
// otherwise. Properties come back in file order; a repeated key appears
// twice, and the caller lets the last one win as Java does.
func ParseProperties(data []byte) ([]Property, error) {
	text := decodeText(data)
	var props []Property
	lines := splitNaturalLines(text)
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := trimLeadingBlanks(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continues(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + trimLeadingBlanks(lines[i])
		}
		if continues(line) {
			line = line[:len(line)-1] // a continuation at end of input
		}
		rawKey, rawValue := splitKeyValue(line)
		key, err := unescape(rawKey)
		if err != nil {
			return nil, &SyntaxError{Line: start, Reason: err.Error()}
		}
		value, err := unescape(rawValue)
		if err != nil {
			return nil, &SyntaxError{Line: start, Reason: err.Error()}
		}
		props = append(props, Property{Key: key, Value: value, Line: start})
	}
	return props, nil
}

func decodeText(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	runes := make([]rune, len(data))
	for i, b := range data {
		runes[i] = rune(b) // ISO-8859-1 maps each byte to the same code point
	}
	return string(runes)
}

// splitNaturalLines splits at \n, \r and \r\n.
func splitNaturalLines(text string) []string {
	var lines []string
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
	return lines
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeadingBlanks(s string) string {
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return s[i:]
}

// continues reports whether line ends in an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitKeyValue splits a logical line into its raw (still escaped) key and
// value.
func splitKeyValue(line string) (key, value string) {
	end := len(line)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++ // the next character is escaped
			continue
		}
		if c == '=' || c == ':' || isBlank(c) {
			end = i
			break
		}
	}
	key, rest := line[:end], line[end:]
	rest = trimLeadingBlanks(rest)
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = trimLeadingBlanks(rest[1:])
	}
	return key, rest
}

// unescape resolves the escapes of a key or value.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, err := hexRune(s[i+1:])
			if err != nil {
				return "", err
			}
			i += 4
			// Java writes characters outside the BMP as two \u escapes
			// (a UTF-16 surrogate pair).
			if utf16.IsSurrogate(r) && strings.HasPrefix(s[i+1:], `\u`) {
				if low, err := hexRune(s[i+3:]); err == nil {
					if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
						r = pair
						i += 6
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func hexRune(s string) (rune, error) {
	if len(s) < 4 {
		return 0, fmt.Errorf(`malformed \uxxxx escape`)
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, fmt.Errorf(`malformed \uxxxx escape`)
		}
		r = r<<4 | rune(d)
	}
	return r, nil
}

// FormatProperties writes props in .properties format, escaped so that
// ParseProperties (and Java) read back exactly the same keys and values.
// The comment, if any, becomes "#"-prefixed lines at the top.
func FormatProperties(comment string, props []Property) []byte {
	var b bytes.Buffer
	if comment != "" {
		for _, line := range splitNaturalLines(comment) {
			b.WriteString("#" + line + "\n")
		}
	}
	for _, p := range props {
		b.WriteString(escape(p.Key, true))
		b.WriteByte('=')
		b.WriteString(escape(p.Value, false))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// escape escapes s for a key or value: backslashes, separators, comment
// characters and control characters; every space in a key and a leading
// space in a value. Non-ASCII characters are written as UTF-8.
func escape(s string, isKey bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ' ' && (isKey || i == 0):
			b.WriteString(`\ `)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '=' || r == ':' || r == '#' || r == '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
