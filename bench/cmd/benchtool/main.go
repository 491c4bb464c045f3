// Command benchtool is bench/run.sh's helper: it writes OCI bundle configs
// and turns hyperfine's JSON exports and the script's other measurements
// into bench/results.md.
//
//	benchtool ocispec SPEC ROOTFS OUT -- ARGS...   config.json for ARGS on ROOTFS
//	benchtool report DIR OUT                        DIR/*.json, DIR/metrics.tsv, DIR/machine.txt -> OUT
//	benchtool phases LIST                           medians of lxc-start's phases (bench/profile.sh)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "ocispec":
		err = ociSpec(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	case "phases":
		err = phases(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool ocispec SPEC ROOTFS OUT -- ARGS... | report DIR OUT | phases LIST")
	os.Exit(2)
}
