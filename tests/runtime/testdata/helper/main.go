// Command helper runs inside test containers (a static copy built by the
// runtime tests): it reports what busybox cannot.
//
//	helper keyring   print the id of this process's session keyring
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] != "keyring" {
		fmt.Fprintln(os.Stderr, "usage: helper keyring")
		os.Exit(2)
	}
	id, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyctl:", err)
		os.Exit(1)
	}
	fmt.Println(id)
}
