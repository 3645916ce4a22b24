package quorum

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Voter is one member of controller.quorum.voters.
type Voter struct {
	ID   int32
	Addr string // host:port of its controller listener
}

// Config configures a quorum node.
type Config struct {
	// NodeID is this node's node.id.
	NodeID int32
	// Dir holds the Raft log, stable store and snapshots
	// (`<first log dir>/metadata/`). Created if missing.
	Dir string
	// Voters is controller.quorum.voters; every voter bootstraps with it.
	Voters []Voter
	// Voter is false on a broker-only node: it joins as a non-voting
	// observer once the leader adds it (AddObserver), and never bootstraps.
	Voter bool
	// Addr is the controller-listener address other nodes dial to reach
	// this one. Defaults to this node's entry in Voters; observers must
	// set it.
	Addr string
	// ClusterID is the cluster's id (meta.properties cluster.id); a
	// snapshot from another cluster is refused.
	ClusterID string

	// HeartbeatTimeout is how long a follower waits without hearing from a
	// leader before it stands for election. With a single voter there is
	// nobody to hear from, so Open caps it (and ElectionTimeout) at
	// SingleVoterTimeout so a one-node cluster is ready at once.
	HeartbeatTimeout time.Duration
	// ElectionTimeout bounds one election round.
	ElectionTimeout time.Duration
	// LeaderLeaseTimeout is how long a leader stays leader without
	// hearing from a quorum. Must not exceed HeartbeatTimeout.
	LeaderLeaseTimeout time.Duration
	// CommitTimeout is how long the leader waits without new entries
	// before it sends a heartbeat carrying the commit index, which bounds
	// how far followers' applied images trail the leader's.
	CommitTimeout time.Duration
	// SnapshotInterval is how often Raft checks whether to snapshot.
	SnapshotInterval time.Duration
	// SnapshotThreshold is how many new entries trigger a snapshot.
	SnapshotThreshold uint64
	// TrailingLogs is how many entries stay in the log after a snapshot,
	// so a briefly lagging follower catches up without one.
	TrailingLogs uint64
	// RetainSnapshots is how many snapshot files to keep.
	RetainSnapshots int
	// MaxAppendEntries caps entries per AppendEntries RPC and per disk
	// batch; proposals that arrive together share one fsync.
	MaxAppendEntries int
	// TransportTimeout bounds one Raft RPC's network I/O.
	TransportTimeout time.Duration
}

// SingleVoterTimeout is the heartbeat and election timeout a quorum of one
// voter uses (see Config.HeartbeatTimeout).
const SingleVoterTimeout = 50 * time.Millisecond

// Default returns the configuration of a single-node cluster whose only
// voter is node 1 at 127.0.0.1:9093 (Kafka's controller.quorum.voters
// default in Skiff). Dir and ClusterID must still be set.
func Default() Config {
	return Config{
		NodeID:             1,
		Voters:             []Voter{{ID: 1, Addr: "127.0.0.1:9093"}},
		Voter:              true,
		HeartbeatTimeout:   1000 * time.Millisecond,
		ElectionTimeout:    1000 * time.Millisecond,
		LeaderLeaseTimeout: 500 * time.Millisecond,
		CommitTimeout:      10 * time.Millisecond,
		SnapshotInterval:   30 * time.Second,
		SnapshotThreshold:  8192,
		TrailingLogs:       10240,
		RetainSnapshots:    2,
		MaxAppendEntries:   256,
		TransportTimeout:   10 * time.Second,
	}
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if c.NodeID < 0 {
		return fmt.Errorf("quorum: node id %d is negative", c.NodeID)
	}
	if c.Dir == "" {
		return errors.New("quorum: metadata dir is empty")
	}
	if c.ClusterID == "" {
		return errors.New("quorum: cluster id is empty")
	}
	if err := validateVoters(c.Voters); err != nil {
		return err
	}
	_, listed := c.voterAddr(c.NodeID)
	switch {
	case c.Voter && !listed:
		return fmt.Errorf("quorum: node %d is a voter but not in controller.quorum.voters %s", c.NodeID, FormatVoters(c.Voters))
	case !c.Voter && listed:
		return fmt.Errorf("quorum: node %d is in controller.quorum.voters but configured as an observer", c.NodeID)
	case !c.Voter && c.Addr == "":
		return fmt.Errorf("quorum: observer node %d needs its own controller address", c.NodeID)
	}
	return c.validateTimeouts()
}

func (c Config) validateTimeouts() error {
	// hashicorp/raft refuses timeouts under 5ms.
	const floor = 5 * time.Millisecond
	switch {
	case c.HeartbeatTimeout < floor || c.ElectionTimeout < floor || c.LeaderLeaseTimeout < floor:
		return fmt.Errorf("quorum: heartbeat, election and leader lease timeouts must be at least %s", floor)
	case c.LeaderLeaseTimeout > c.HeartbeatTimeout:
		return fmt.Errorf("quorum: leader lease timeout %s exceeds heartbeat timeout %s", c.LeaderLeaseTimeout, c.HeartbeatTimeout)
	case c.ElectionTimeout < c.HeartbeatTimeout:
		return fmt.Errorf("quorum: election timeout %s is below heartbeat timeout %s", c.ElectionTimeout, c.HeartbeatTimeout)
	case c.CommitTimeout < time.Millisecond:
		return errors.New("quorum: commit timeout must be at least 1ms")
	case c.SnapshotInterval < floor:
		return fmt.Errorf("quorum: snapshot interval must be at least %s", floor)
	case c.SnapshotThreshold == 0:
		return errors.New("quorum: snapshot threshold must be positive")
	case c.RetainSnapshots < 1:
		return errors.New("quorum: must retain at least one snapshot")
	case c.MaxAppendEntries < 1 || c.MaxAppendEntries > 1024:
		return fmt.Errorf("quorum: max append entries %d outside 1..1024", c.MaxAppendEntries)
	case c.TransportTimeout <= 0:
		return errors.New("quorum: transport timeout must be positive")
	}
	return nil
}

func validateVoters(voters []Voter) error {
	if len(voters) == 0 {
		return errors.New("quorum: controller.quorum.voters is empty")
	}
	seen := map[int32]bool{}
	for _, v := range voters {
		if v.ID < 0 {
			return fmt.Errorf("quorum: voter id %d is negative", v.ID)
		}
		if seen[v.ID] {
			return fmt.Errorf("quorum: voter %d listed twice", v.ID)
		}
		seen[v.ID] = true
		if _, _, err := net.SplitHostPort(v.Addr); err != nil {
			return fmt.Errorf("quorum: voter %d address %q: %w", v.ID, v.Addr, err)
		}
	}
	return nil
}

// voterAddr returns the address of voter id.
func (c Config) voterAddr(id int32) (string, bool) {
	for _, v := range c.Voters {
		if v.ID == id {
			return v.Addr, true
		}
	}
	return "", false
}

// advertisedAddr is the address other nodes dial to reach this one.
func (c Config) advertisedAddr() string {
	if c.Addr != "" {
		return c.Addr
	}
	addr, _ := c.voterAddr(c.NodeID)
	return addr
}

// ParseVoters parses controller.quorum.voters: "id@host:port,...".
func ParseVoters(s string) ([]Voter, error) {
	var out []Voter
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		idStr, addr, ok := strings.Cut(part, "@")
		if !ok {
			return nil, fmt.Errorf("controller.quorum.voters entry %q: want id@host:port", part)
		}
		id, err := strconv.ParseInt(idStr, 10, 32)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("controller.quorum.voters entry %q: bad node id %q", part, idStr)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("controller.quorum.voters entry %q: %w", part, err)
		}
		out = append(out, Voter{ID: int32(id), Addr: addr})
	}
	return out, validateVoters(out)
}

// FormatVoters renders voters as controller.quorum.voters.
func FormatVoters(voters []Voter) string {
	parts := make([]string, len(voters))
	for i, v := range voters {
		parts[i] = fmt.Sprintf("%d@%s", v.ID, v.Addr)
	}
	return strings.Join(parts, ",")
}
