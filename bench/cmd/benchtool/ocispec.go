package main

import (
	"encoding/json"
	"errors"
	"os"
)

// ociSpec rewrites the config.json that `runc spec` printed so that it
// runs ARGS without a terminal on an absolute ROOTFS: the same busybox
// tree the LXC containers of the benchmark use. Everything else (the
// namespaces, mounts, masks and capabilities) stays runc's default.
func ociSpec(args []string) error {
	if len(args) < 5 || args[3] != "--" {
		return errors.New("ocispec SPEC ROOTFS OUT -- ARGS...")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		return err
	}
	proc, _ := spec["process"].(map[string]any)
	root, _ := spec["root"].(map[string]any)
	if proc == nil || root == nil {
		return errors.New(args[0] + ": no process or root section")
	}
	proc["terminal"] = false
	proc["args"] = args[4:]
	root["path"] = args[1]
	root["readonly"] = false
	out, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(args[2], append(out, '\n'), 0o644)
}
