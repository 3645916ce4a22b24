package server

import (
	"fmt"

	"github.com/skiffhq/skiff/log/metaprops"
)

// PrepareStorage is what a node does with its dirs before anything else:
// it formats the empty ones (with cfg.ClusterID, or the id of a formatted
// dir, or a new id) and refuses dirs of another cluster or node. The result
// carries the cluster id and each dir's directory id.
func PrepareStorage(cfg Config) (metaprops.Result, error) {
	res, err := metaprops.EnsureFormatted(cfg.StorageDirs(), cfg.ClusterID, cfg.NodeID)
	if err != nil {
		return res, fmt.Errorf("prepare storage: %w", err)
	}
	return res, nil
}

// FormatStorage is `skiff storage format`: it formats every storage dir of
// cfg with clusterID (required). An already formatted dir is an error
// unless ignoreFormatted, in which case it is checked and left alone.
func FormatStorage(cfg Config, clusterID string, ignoreFormatted bool) (metaprops.Result, error) {
	res, err := metaprops.Format(cfg.StorageDirs(), clusterID, cfg.NodeID, ignoreFormatted)
	if err != nil {
		return res, fmt.Errorf("format storage: %w", err)
	}
	return res, nil
}
