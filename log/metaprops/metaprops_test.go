package metaprops

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	clusterA = "MkU3OEVBNTcwNTJENDM2Qg"
	clusterB = "J8s9-Kx6RjK8bFi8rUuzHw"
	dirID    = "b9h0l5AgTBaeR3mzyJwBqw"
)

func TestEncodeGolden(t *testing.T) {
	m := MetaProperties{Version: 1, ClusterID: clusterA, NodeID: 3, DirectoryID: dirID}
	want := "#\n# Written by Skiff. Do not edit: it ties this directory to its cluster and node.\n" +
		"version=1\ncluster.id=" + clusterA + "\nnode.id=3\ndirectory.id=" + dirID + "\n"
	if got := string(m.Encode()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	back, err := Parse(m.Encode())
	if err != nil || back != m {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

// A file as Kafka's Properties.store writes it reads back.
func TestParseKafkaWritten(t *testing.T) {
	kafka := "#\n#Tue Jan 07 10:00:00 UTC 2025\nnode.id=1\ndirectory.id=" + dirID +
		"\nversion=1\ncluster.id=" + clusterA + "\n"
	m, err := Parse([]byte(kafka))
	if err != nil {
		t.Fatal(err)
	}
	if m != (MetaProperties{Version: 1, ClusterID: clusterA, NodeID: 1, DirectoryID: dirID}) {
		t.Errorf("got %+v", m)
	}
	// Kafka before 3.7 wrote no directory.id.
	m, err = Parse([]byte("version=1\ncluster.id=" + clusterA + "\nnode.id=2\n"))
	if err != nil || m.DirectoryID != "" || m.NodeID != 2 {
		t.Errorf("without directory.id: %+v %v", m, err)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := map[string]string{
		"no version":        "cluster.id=" + clusterA + "\nnode.id=1",
		"zookeeper version": "version=0\nbroker.id=1\ncluster.id=" + clusterA,
		"future version":    "version=2\ncluster.id=" + clusterA + "\nnode.id=1",
		"no cluster":        "version=1\nnode.id=1",
		"bad cluster":       "version=1\ncluster.id=not-a-uuid\nnode.id=1",
		"no node":           "version=1\ncluster.id=" + clusterA,
		"negative node":     "version=1\ncluster.id=" + clusterA + "\nnode.id=-1",
		"big node":          "version=1\ncluster.id=" + clusterA + "\nnode.id=2147483648",
		"bad directory":     "version=1\ncluster.id=" + clusterA + "\nnode.id=1\ndirectory.id=x",
		"bad escape":        "version=1\\u",
	}
	for name, in := range tests {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestReadWrite(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); !errors.Is(err, ErrNotFormatted) {
		t.Fatalf("empty dir: %v", err)
	}
	m := MetaProperties{Version: 1, ClusterID: clusterA, NodeID: 7, DirectoryID: dirID}
	if err := Write(dir, m); err != nil {
		t.Fatal(err)
	}
	m.NodeID = 8
	if err := Write(dir, m); err != nil { // replaces the old file
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || got != m {
		t.Fatalf("read %+v %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Errorf("dir holds %v, want only %s", entries, FileName)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	var me *MalformedError
	if _, err := Read(dir); !errors.As(err, &me) || !strings.Contains(err.Error(), dir) {
		t.Errorf("garbage: %v", err)
	}
	if err := Write(filepath.Join(dir, "missing", "sub"), m); err == nil {
		t.Error("write into a missing dir succeeded")
	}
}

func TestRandomUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		id := RandomUUID()
		if err := ValidateUUID(id); err != nil {
			t.Fatal(err)
		}
		if id[0] == '-' {
			t.Fatalf("%s starts with '-'", id)
		}
		b, _ := base64.RawURLEncoding.DecodeString(id)
		if b[6]>>4 != 4 || b[8]>>6 != 2 {
			t.Fatalf("%s is not a version-4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("duplicate %s", id)
		}
		seen[id] = true
	}
}

func TestValidateUUID(t *testing.T) {
	for _, ok := range []string{clusterA, clusterB, dirID, "AAAAAAAAAAAAAAAAAAAAAQ"} {
		if err := ValidateUUID(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "AAAAAAAAAAAAAAAAAAAAAA", "MkU3OEVBNTcwNTJENDM2Qg==", "MkU3OEVBNTcwNTJENDM2Q",
		"MkU3OEVBNTcwNTJENDM2Q!", "MkU3OEVBNTcwNTJENDM2Qh", "MkU3OEVBNTcwNTJENDM2Q+"} {
		if err := ValidateUUID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParse feeds arbitrary bytes as a meta.properties file from a damaged
// disk: no panic, and whatever parses encodes and parses back the same.
func FuzzParse(f *testing.F) {
	f.Add(MetaProperties{Version: 1, ClusterID: clusterA, NodeID: 1, DirectoryID: dirID}.Encode())
	f.Add([]byte("version=1\ncluster.id=" + clusterA + "\nnode.id=0\n"))
	f.Add([]byte("version=0\nbroker.id=1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		again, err := Parse(m.Encode())
		if err != nil || again != m {
			t.Fatalf("round trip of %+v: %+v %v", m, again, err)
		}
		if !bytes.Equal(again.Encode(), m.Encode()) {
			t.Fatal("encoding not stable")
		}
	})
}
