package metaprops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MismatchError reports a log dir that belongs to another cluster or node,
// or two log dirs that disagree. The node must not start on it: serving it
// would mix another cluster's data into this one.
type MismatchError struct {
	Dir      string
	Key      string // cluster.id, node.id or directory.id
	Found    string // the value in Dir's meta.properties
	Expected string // the value this node requires (empty for directory.id)
	Why      string // where Expected comes from; for directory.id, the other dir
}

func (e *MismatchError) Error() string {
	if e.Key == "directory.id" {
		return fmt.Sprintf("log dirs %s and %s have the same directory.id=%s in their %s: "+
			"one is a copy of the other; give each dir its own data", e.Why, e.Dir, e.Found, FileName)
	}
	hint := "the dir belongs to another cluster"
	if e.Key == "node.id" {
		hint = "the dir belongs to another node"
	}
	return fmt.Sprintf("log dir %s has %s=%s in its %s, but %s is %s: %s; "+
		"point log.dirs at this node's own data, or at an empty dir to start afresh",
		e.Dir, e.Key, e.Found, FileName, e.Why, e.Expected, hint)
}

// NotEmptyError reports an unformatted dir that already holds files: it is
// not formatted automatically, in case it is data that lost its
// meta.properties.
type NotEmptyError struct {
	Dir   string
	Entry string // one of the entries found
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("log dir %s has no %s but is not empty (it holds %q); "+
		"refusing to format it: empty it, or point log.dirs elsewhere", e.Dir, FileName, e.Entry)
}

// AlreadyFormattedError is returned by Format for a formatted dir unless
// already-formatted dirs are to be ignored.
type AlreadyFormattedError struct{ Dir string }

func (e *AlreadyFormattedError) Error() string {
	return fmt.Sprintf("log dir %s is already formatted; use --ignore-formatted to skip it and format the others", e.Dir)
}

// Dir is one log dir after EnsureFormatted or Format.
type Dir struct {
	Path    string
	Meta    MetaProperties
	Created bool // formatted by this call
}

// Result is the outcome of EnsureFormatted or Format.
type Result struct {
	ClusterID string
	Dirs      []Dir
}

// EnsureFormatted makes every dir a formatted log dir of this cluster and
// node, as a node does on start. Missing dirs are created. Empty dirs are
// formatted with the cluster id: clusterID if not empty, else that of an
// already formatted dir, else a new random one. Formatted dirs must carry
// this node's id and the same cluster id as each other (and as clusterID if
// given): otherwise it returns a *MismatchError naming the dir, the value
// found and the one expected. Formatted dirs without a directory.id get one.
func EnsureFormatted(dirs []string, clusterID string, nodeID int32) (Result, error) {
	return prepare(dirs, clusterID, nodeID)
}

// Format formats dirs for `skiff storage format`: clusterID is required,
// and a formatted dir is an *AlreadyFormattedError unless ignoreFormatted,
// in which case it is checked as EnsureFormatted does and left alone.
func Format(dirs []string, clusterID string, nodeID int32, ignoreFormatted bool) (Result, error) {
	if clusterID == "" {
		return Result{}, errors.New("format: a cluster id is required (generate one with `skiff storage random-uuid`)")
	}
	if !ignoreFormatted {
		for _, dir := range dirs {
			if _, err := Read(dir); err == nil {
				return Result{}, &AlreadyFormattedError{Dir: dir}
			}
		}
	}
	return prepare(dirs, clusterID, nodeID)
}

func prepare(dirs []string, clusterID string, nodeID int32) (Result, error) {
	if len(dirs) == 0 {
		return Result{}, errors.New("no log dirs given")
	}
	if clusterID != "" {
		if err := ValidateUUID(clusterID); err != nil {
			return Result{}, fmt.Errorf("cluster id: %w", err)
		}
	}
	if nodeID < 0 {
		return Result{}, fmt.Errorf("node id %d: must not be negative", nodeID)
	}
	found, err := inspect(dirs)
	if err != nil {
		return Result{}, err
	}
	chosen, why := chooseClusterID(found, clusterID)
	if err := checkFound(found, chosen, why, nodeID); err != nil {
		return Result{}, err
	}
	res := Result{ClusterID: chosen}
	for _, d := range found {
		if !d.Created && d.Meta.DirectoryID != "" {
			res.Dirs = append(res.Dirs, d)
			continue
		}
		if d.Created {
			d.Meta = MetaProperties{Version: Version, ClusterID: chosen, NodeID: nodeID}
		}
		d.Meta.DirectoryID = RandomUUID()
		if err := Write(d.Path, d.Meta); err != nil {
			return Result{}, fmt.Errorf("format log dir %s: %w", d.Path, err)
		}
		res.Dirs = append(res.Dirs, d)
	}
	return res, nil
}

// inspect reads every dir, creating missing ones. A returned Dir with
// Created set is empty and still to be formatted.
func inspect(dirs []string) ([]Dir, error) {
	var out []Dir
	seen := map[string]bool{}
	for _, dir := range dirs {
		clean := filepath.Clean(dir)
		if seen[clean] {
			return nil, fmt.Errorf("log dir %s is listed twice", dir)
		}
		seen[clean] = true
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create log dir: %w", err)
		}
		m, err := Read(dir)
		switch {
		case err == nil:
			out = append(out, Dir{Path: dir, Meta: m})
		case errors.Is(err, ErrNotFormatted):
			if err := checkEmpty(dir); err != nil {
				return nil, err
			}
			out = append(out, Dir{Path: dir, Created: true})
		default:
			return nil, err
		}
	}
	return out, nil
}

// checkEmpty accepts a dir whose only entries are hidden files, a
// filesystem's lost+found, or a meta.properties write that a crash
// interrupted.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read log dir: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || name == "lost+found" || name == FileName+tempSuffix {
			continue
		}
		return &NotEmptyError{Dir: dir, Entry: name}
	}
	return nil
}

// chooseClusterID picks the configured id, else a formatted dir's, else a
// new one, and says where it came from.
func chooseClusterID(found []Dir, configured string) (id, why string) {
	if configured != "" {
		return configured, "the configured cluster id"
	}
	for _, d := range found {
		if !d.Created {
			return d.Meta.ClusterID, "the cluster id of log dir " + d.Path
		}
	}
	return RandomUUID(), "the new cluster id"
}

// checkFound verifies the formatted dirs against the cluster id, the node
// id and each other's directory ids.
func checkFound(found []Dir, clusterID, why string, nodeID int32) error {
	dirIDs := map[string]string{}
	for _, d := range found {
		if d.Created {
			continue
		}
		if d.Meta.ClusterID != clusterID {
			return &MismatchError{Dir: d.Path, Key: "cluster.id", Found: d.Meta.ClusterID, Expected: clusterID, Why: why}
		}
		if d.Meta.NodeID != nodeID {
			return &MismatchError{Dir: d.Path, Key: "node.id", Found: strconv.Itoa(int(d.Meta.NodeID)),
				Expected: strconv.Itoa(int(nodeID)), Why: "this node's node.id"}
		}
		if d.Meta.DirectoryID == "" {
			continue
		}
		if other, dup := dirIDs[d.Meta.DirectoryID]; dup {
			return &MismatchError{Dir: d.Path, Key: "directory.id", Found: d.Meta.DirectoryID, Why: other}
		}
		dirIDs[d.Meta.DirectoryID] = d.Path
	}
	return nil
}
