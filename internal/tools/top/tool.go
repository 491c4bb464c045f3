// Package toptool implements lxc-top.
package toptool

import (
	"github.com/golxc/golxc/internal/cli"
)

// Tool is lxc-top.
var Tool = &cli.Tool{
	Name:  "lxc-top",
	Short: "lxc-top monitors the state of the active containers",
	Help: `lxc-top 

lxc-top monitors the state of the active containers

Options :
  -d, --delay     delay in seconds between refreshes (default: 3.0)
  -b, --batch     output designed to capture to a file
  -s, --sort      sort by [n,c,b,m] (default: n) where
                  n = Name
                  c = CPU use
                  b = Block I/O use
                  m = Memory use
                  s = Memory + Swap use
                  k = Kernel memory use
  -r, --reverse   sort in reverse (descending) order
`,
	MultiPath:    true,
	NameOptional: true,
	Flags:        flags,
	Run:          run,
}
