package main

import (
	"fmt"
	"io"

	"github.com/skiffhq/skiff/cmd/skiff/server"
	"github.com/skiffhq/skiff/log/metaprops"
)

// storageRandomUUID prints a new cluster id, as `kafka-storage random-uuid`.
func storageRandomUUID(w io.Writer) error {
	_, err := fmt.Fprintln(w, metaprops.RandomUUID())
	return err
}

// storageFormat formats the configured storage dirs with clusterID and says
// what it did with each.
func storageFormat(w io.Writer, cfg server.Config, clusterID string, ignoreFormatted bool) error {
	res, err := server.FormatStorage(cfg, clusterID, ignoreFormatted)
	if err != nil {
		return err
	}
	for _, d := range res.Dirs {
		if d.Created {
			fmt.Fprintf(w, "Formatted %s (cluster.id=%s node.id=%d directory.id=%s)\n",
				d.Path, d.Meta.ClusterID, d.Meta.NodeID, d.Meta.DirectoryID)
		} else {
			fmt.Fprintf(w, "Skipped %s: already formatted for this cluster and node\n", d.Path)
		}
	}
	return nil
}
