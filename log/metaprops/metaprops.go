package metaprops

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileName is the name of the file in each log dir.
const FileName = "meta.properties"

// tempSuffix names the file a write goes to before it is renamed into
// place; a leftover one is the trace of a crash during formatting.
const tempSuffix = ".tmp"

// Version is the only meta.properties version Skiff reads and writes:
// Kafka's KRaft format (version 0 was ZooKeeper's, with broker.id).
const Version = 1

// Keys of meta.properties, as Kafka names them.
const (
	keyVersion     = "version"
	keyClusterID   = "cluster.id"
	keyNodeID      = "node.id"
	keyDirectoryID = "directory.id"
)

// ErrNotFormatted is returned by Read for a dir without meta.properties.
var ErrNotFormatted = errors.New("log dir is not formatted (no " + FileName + ")")

// MetaProperties is the content of a log dir's meta.properties.
type MetaProperties struct {
	Version   int
	ClusterID string // 22-character base64url UUID
	NodeID    int32
	// DirectoryID identifies the log dir itself (KIP-858); empty in files
	// written before Kafka 3.7, and added by EnsureFormatted.
	DirectoryID string
}

// MalformedError reports a meta.properties file that cannot be used.
type MalformedError struct {
	Path   string
	Reason string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("%s: %s", e.Path, e.Reason)
}

// Parse decodes the content of a meta.properties file. Unknown keys are
// ignored, as Kafka does.
func Parse(data []byte) (MetaProperties, error) {
	props, err := ParseProperties(data)
	if err != nil {
		return MetaProperties{}, err
	}
	values := map[string]string{}
	for _, p := range props {
		values[p.Key] = p.Value
	}
	var m MetaProperties
	version, ok := values[keyVersion]
	if !ok {
		return m, errors.New("no version")
	}
	if m.Version, err = strconv.Atoi(strings.TrimSpace(version)); err != nil || m.Version != Version {
		return m, fmt.Errorf("version %q: only version %d (KRaft) is supported", version, Version)
	}
	if m.ClusterID, ok = values[keyClusterID]; !ok {
		return m, errors.New("no cluster.id")
	}
	if err := ValidateUUID(m.ClusterID); err != nil {
		return m, fmt.Errorf("cluster.id: %w", err)
	}
	nodeID, ok := values[keyNodeID]
	if !ok {
		return m, errors.New("no node.id")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(nodeID), 10, 32)
	if err != nil || n < 0 {
		return m, fmt.Errorf("node.id %q is not a non-negative 32-bit integer", nodeID)
	}
	m.NodeID = int32(n)
	if m.DirectoryID, ok = values[keyDirectoryID]; ok {
		if err := ValidateUUID(m.DirectoryID); err != nil {
			return m, fmt.Errorf("directory.id: %w", err)
		}
	}
	return m, nil
}

// Encode returns m in meta.properties format, as Kafka writes it.
func (m MetaProperties) Encode() []byte {
	props := []Property{
		{Key: keyVersion, Value: strconv.Itoa(m.Version)},
		{Key: keyClusterID, Value: m.ClusterID},
		{Key: keyNodeID, Value: strconv.FormatInt(int64(m.NodeID), 10)},
	}
	if m.DirectoryID != "" {
		props = append(props, Property{Key: keyDirectoryID, Value: m.DirectoryID})
	}
	return FormatProperties("\n Written by Skiff. Do not edit: it ties this directory to its cluster and node.\n", props)
}

// Read reads dir's meta.properties. A missing file is ErrNotFormatted; a
// file that does not parse is a *MalformedError.
func Read(dir string) (MetaProperties, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return MetaProperties{}, ErrNotFormatted
	}
	if err != nil {
		return MetaProperties{}, fmt.Errorf("read %s: %w", path, err)
	}
	m, err := Parse(data)
	if err != nil {
		return MetaProperties{}, &MalformedError{Path: path, Reason: err.Error()}
	}
	return m, nil
}

// Write replaces dir's meta.properties atomically: the content goes to a
// temporary file that is fsynced and renamed over the old one, and the dir
// is fsynced so the rename survives a crash. A reader sees the old file or
// the new one, never a mix.
func Write(dir string, m MetaProperties) error {
	path := filepath.Join(dir, FileName)
	tmp := path + tempSuffix
	if err := writeSynced(tmp, m.Encode()); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	return err
}

// uuidEncoding is Kafka's Uuid text form: base64url without padding.
var uuidEncoding = base64.RawURLEncoding.Strict()

// RandomUUID returns a new random id in Kafka's form, as `kafka-storage
// random-uuid` prints it: a version-4 UUID's 16 bytes as 22 base64url
// characters. Like Kafka it never returns an id starting with '-' (it
// would read as a command-line flag) or one of Kafka's reserved ids.
func RandomUUID() string {
	for {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("metaprops: crypto/rand failed: " + err.Error())
		}
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // IETF variant
		s := uuidEncoding.EncodeToString(b[:])
		if s[0] != '-' {
			return s
		}
	}
}

// ValidateUUID checks that s is a Kafka UUID in text form: 22 base64url
// characters encoding 16 bytes, not all zero.
func ValidateUUID(s string) error {
	if len(s) != 22 {
		return fmt.Errorf("%q is not a Kafka UUID: want 22 base64url characters, got %d", s, len(s))
	}
	b, err := uuidEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return fmt.Errorf("%q is not a Kafka UUID: not base64url", s)
	}
	for _, c := range b {
		if c != 0 {
			return nil
		}
	}
	return fmt.Errorf("%q is not a Kafka UUID: the zero UUID is reserved", s)
}
