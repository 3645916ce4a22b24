package record

import (
	"encoding/base64"
	"fmt"
	"io"
)

// UUID is a 16-byte identifier (topic ids, broker incarnation ids, cluster
// ids), written the way Kafka writes its Uuid: 22 characters of unpadded
// base64url.
type UUID [16]byte

// ZeroUUID is Kafka's Uuid.ZERO_UUID: "no id".
var ZeroUUID UUID

// MetadataTopicID is Kafka's reserved id for the metadata log itself
// (Uuid.METADATA_TOPIC_ID); RandomUUID never returns it.
var MetadataTopicID = UUID{15: 1}

// String returns the 22-character base64url form.
func (u UUID) String() string {
	return base64.RawURLEncoding.EncodeToString(u[:])
}

// IsZero reports whether u is ZeroUUID.
func (u UUID) IsZero() bool { return u == ZeroUUID }

// MarshalText implements encoding.TextMarshaler (JSON output of admin tools).
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (u *UUID) UnmarshalText(text []byte) error {
	parsed, err := ParseUUID(string(text))
	if err != nil {
		return err
	}
	*u = parsed
	return nil
}

// ParseUUID parses the 22-character base64url form String returns.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 22 {
		return u, fmt.Errorf("parse uuid %q: want 22 base64url characters, got %d", s, len(s))
	}
	n, err := base64.RawURLEncoding.Strict().Decode(u[:], []byte(s))
	if err != nil {
		return UUID{}, fmt.Errorf("parse uuid %q: %w", s, err)
	}
	if n != len(u) {
		return UUID{}, fmt.Errorf("parse uuid %q: decoded %d bytes, want 16", s, n)
	}
	return u, nil
}

// RandomUUID reads a version-4 UUID from rand (crypto/rand.Reader in
// production, a seeded source in tests). Like Kafka's Uuid.randomUuid it
// never returns ZeroUUID or MetadataTopicID, nor an id whose string form
// starts with '-' (which command-line tools would take for a flag).
func RandomUUID(rand io.Reader) (UUID, error) {
	for {
		var u UUID
		if _, err := io.ReadFull(rand, u[:]); err != nil {
			return UUID{}, fmt.Errorf("random uuid: %w", err)
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
		if u == ZeroUUID || u == MetadataTopicID || u.String()[0] == '-' {
			continue
		}
		return u, nil
	}
}
