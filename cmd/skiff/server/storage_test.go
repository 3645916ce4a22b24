package server

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/skiffhq/skiff/log/metaprops"
)

func TestPrepareStorage(t *testing.T) {
	root := t.TempDir()
	c := Default()
	c.LogDirs = []string{filepath.Join(root, "a"), filepath.Join(root, "b")}
	c.MetadataLogDir = filepath.Join(root, "meta")
	res, err := PrepareStorage(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dirs) != 3 || metaprops.ValidateUUID(res.ClusterID) != nil {
		t.Fatalf("%+v", res)
	}
	// A restart keeps the cluster; another node id is refused.
	again, err := PrepareStorage(c)
	if err != nil || again.ClusterID != res.ClusterID {
		t.Fatalf("restart: %+v %v", again, err)
	}
	c.NodeID = 2
	var me *metaprops.MismatchError
	if _, err := PrepareStorage(c); !errors.As(err, &me) || me.Key != "node.id" {
		t.Fatalf("other node: %v", err)
	}
}

func TestFormatStorage(t *testing.T) {
	c := Default()
	c.LogDirs = []string{filepath.Join(t.TempDir(), "data")}
	id := metaprops.RandomUUID()
	if _, err := FormatStorage(c, id, false); err != nil {
		t.Fatal(err)
	}
	var afe *metaprops.AlreadyFormattedError
	if _, err := FormatStorage(c, id, false); !errors.As(err, &afe) {
		t.Fatalf("second format: %v", err)
	}
	if _, err := FormatStorage(c, id, true); err != nil {
		t.Fatalf("ignore formatted: %v", err)
	}
	c.ClusterID = id
	if res, err := PrepareStorage(c); err != nil || res.ClusterID != id {
		t.Fatalf("prepare after format: %+v %v", res, err)
	}
}
