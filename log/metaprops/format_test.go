package metaprops

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tempDirs(t *testing.T, n int) []string {
	t.Helper()
	root := t.TempDir()
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = filepath.Join(root, "data"+string(rune('a'+i)))
	}
	return dirs
}

func TestEnsureFormattedFreshDirs(t *testing.T) {
	dirs := tempDirs(t, 3) // they do not exist yet
	res, err := EnsureFormatted(dirs, "", 4)
	if err != nil {
		t.Fatal(err)
	}
	if ValidateUUID(res.ClusterID) != nil || len(res.Dirs) != 3 {
		t.Fatalf("result %+v", res)
	}
	dirIDs := map[string]bool{}
	for i, d := range res.Dirs {
		m, err := Read(dirs[i])
		if err != nil {
			t.Fatal(err)
		}
		if d.Path != dirs[i] || !d.Created || m != d.Meta {
			t.Errorf("dir %d: %+v, on disk %+v", i, d, m)
		}
		if m.ClusterID != res.ClusterID || m.NodeID != 4 || m.Version != 1 || ValidateUUID(m.DirectoryID) != nil {
			t.Errorf("dir %d meta %+v", i, m)
		}
		dirIDs[m.DirectoryID] = true
	}
	if len(dirIDs) != 3 {
		t.Error("directory ids are not unique")
	}

	// A restart finds the same cluster and changes nothing.
	before, _ := os.ReadFile(filepath.Join(dirs[0], FileName))
	again, err := EnsureFormatted(dirs, "", 4)
	if err != nil || again.ClusterID != res.ClusterID {
		t.Fatalf("restart: %+v %v", again, err)
	}
	for i, d := range again.Dirs {
		if d.Created || d.Meta != res.Dirs[i].Meta {
			t.Errorf("restart dir %d: %+v", i, d)
		}
	}
	after, _ := os.ReadFile(filepath.Join(dirs[0], FileName))
	if string(before) != string(after) {
		t.Error("restart rewrote meta.properties")
	}
}

func TestEnsureFormattedConfiguredClusterID(t *testing.T) {
	dirs := tempDirs(t, 1)
	res, err := EnsureFormatted(dirs, clusterA, 1)
	if err != nil || res.ClusterID != clusterA {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := EnsureFormatted(dirs, "bad", 1); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("invalid configured id: %v", err)
	}
}

func TestEnsureFormattedAdoptsSiblingClusterID(t *testing.T) {
	dirs := tempDirs(t, 2)
	if _, err := EnsureFormatted(dirs[:1], clusterA, 1); err != nil {
		t.Fatal(err)
	}
	res, err := EnsureFormatted(dirs, "", 1) // a new, empty dir is added
	if err != nil {
		t.Fatal(err)
	}
	if res.ClusterID != clusterA || res.Dirs[0].Created || !res.Dirs[1].Created || res.Dirs[1].Meta.ClusterID != clusterA {
		t.Errorf("%+v", res)
	}
}

func TestEnsureFormattedRefusesOtherClusterOrNode(t *testing.T) {
	dirs := tempDirs(t, 2)
	if _, err := EnsureFormatted(dirs[:1], clusterA, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureFormatted(dirs[1:], clusterB, 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		dirs      []string
		clusterID string
		nodeID    int32
		want      MismatchError
	}{
		{"configured cluster", dirs[:1], clusterB, 1,
			MismatchError{Dir: dirs[0], Key: "cluster.id", Found: clusterA, Expected: clusterB}},
		{"sibling cluster", dirs, "", 1,
			MismatchError{Dir: dirs[1], Key: "cluster.id", Found: clusterB, Expected: clusterA}},
		{"node", dirs[:1], "", 2,
			MismatchError{Dir: dirs[0], Key: "node.id", Found: "1", Expected: "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EnsureFormatted(tt.dirs, tt.clusterID, tt.nodeID)
			var me *MismatchError
			if !errors.As(err, &me) {
				t.Fatalf("err %v, want MismatchError", err)
			}
			if me.Dir != tt.want.Dir || me.Key != tt.want.Key || me.Found != tt.want.Found || me.Expected != tt.want.Expected {
				t.Errorf("got %+v, want %+v", *me, tt.want)
			}
			for _, s := range []string{tt.want.Dir, tt.want.Found, tt.want.Expected, tt.want.Key} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not name %q", err, s)
				}
			}
		})
	}
}

func TestEnsureFormattedDuplicateDirectoryIDs(t *testing.T) {
	dirs := tempDirs(t, 2)
	if _, err := EnsureFormatted(dirs[:1], clusterA, 1); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dirs[0], FileName))
	if err := os.MkdirAll(dirs[1], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirs[1], FileName), data, 0o644); err != nil { // a copied dir
		t.Fatal(err)
	}
	_, err := EnsureFormatted(dirs, "", 1)
	var me *MismatchError
	if !errors.As(err, &me) || me.Key != "directory.id" || !strings.Contains(err.Error(), dirs[0]) {
		t.Fatalf("err %v", err)
	}
}

func TestEnsureFormattedAddsDirectoryID(t *testing.T) {
	dir := t.TempDir()
	old := "version=1\ncluster.id=" + clusterA + "\nnode.id=1\n"
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := EnsureFormatted([]string{dir}, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := Read(dir)
	if res.Dirs[0].Created || ValidateUUID(m.DirectoryID) != nil || m != res.Dirs[0].Meta {
		t.Errorf("%+v on disk %+v", res, m)
	}
}

func TestEnsureFormattedNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".hidden", "lost+found", FileName + tempSuffix} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := EnsureFormatted([]string{dir}, "", 1); err != nil {
		t.Fatalf("dir with only ignorable entries: %v", err)
	}
	other := t.TempDir()
	if err := os.Mkdir(filepath.Join(other, "orders-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := EnsureFormatted([]string{other}, "", 1)
	var ne *NotEmptyError
	if !errors.As(err, &ne) || ne.Entry != "orders-0" || !strings.Contains(err.Error(), other) {
		t.Fatalf("err %v", err)
	}
	if _, err := Read(other); !errors.Is(err, ErrNotFormatted) {
		t.Error("a refused dir was formatted")
	}
}

func TestEnsureFormattedBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := EnsureFormatted(nil, "", 1); err == nil {
		t.Error("no dirs accepted")
	}
	if _, err := EnsureFormatted([]string{dir, dir + "/"}, "", 1); err == nil {
		t.Error("a dir listed twice accepted")
	}
	if _, err := EnsureFormatted([]string{dir}, "", -1); err == nil {
		t.Error("negative node id accepted")
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("version=1"), 0o644); err != nil {
		t.Fatal(err)
	}
	var me *MalformedError
	if _, err := EnsureFormatted([]string{dir}, "", 1); !errors.As(err, &me) {
		t.Errorf("malformed file: %v", err)
	}
}

func TestFormat(t *testing.T) {
	dirs := tempDirs(t, 2)
	if _, err := Format(dirs, "", 1, false); err == nil {
		t.Error("format without a cluster id succeeded")
	}
	res, err := Format(dirs[:1], clusterA, 1, false)
	if err != nil || !res.Dirs[0].Created {
		t.Fatalf("%+v %v", res, err)
	}
	var afe *AlreadyFormattedError
	if _, err := Format(dirs, clusterA, 1, false); !errors.As(err, &afe) || afe.Dir != dirs[0] {
		t.Fatalf("err %v, want AlreadyFormattedError", err)
	}
	if _, err := Read(dirs[1]); !errors.Is(err, ErrNotFormatted) {
		t.Error("a refused format touched the other dir")
	}
	res, err = Format(dirs, clusterA, 1, true)
	if err != nil || res.Dirs[0].Created || !res.Dirs[1].Created {
		t.Fatalf("ignore formatted: %+v %v", res, err)
	}
	var me *MismatchError
	if _, err := Format(dirs, clusterB, 1, true); !errors.As(err, &me) {
		t.Errorf("ignore-formatted still checks the cluster: %v", err)
	}
}
