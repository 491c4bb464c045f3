// Package all lists every lxc-* tool, for the multicall binary and the man
// page and completion generators.
package all

import (
	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/tools/attach"
	"github.com/golxc/golxc/internal/tools/autostart"
	"github.com/golxc/golxc/internal/tools/cgroup"
	"github.com/golxc/golxc/internal/tools/checkconfig"
	"github.com/golxc/golxc/internal/tools/checkpoint"
	"github.com/golxc/golxc/internal/tools/config"
	"github.com/golxc/golxc/internal/tools/console"
	"github.com/golxc/golxc/internal/tools/copy"
	"github.com/golxc/golxc/internal/tools/create"
	"github.com/golxc/golxc/internal/tools/destroy"
	"github.com/golxc/golxc/internal/tools/device"
	"github.com/golxc/golxc/internal/tools/execute"
	"github.com/golxc/golxc/internal/tools/freeze"
	"github.com/golxc/golxc/internal/tools/info"
	"github.com/golxc/golxc/internal/tools/ls"
	"github.com/golxc/golxc/internal/tools/monitor"
	"github.com/golxc/golxc/internal/tools/snapshot"
	"github.com/golxc/golxc/internal/tools/start"
	"github.com/golxc/golxc/internal/tools/stop"
	"github.com/golxc/golxc/internal/tools/top"
	"github.com/golxc/golxc/internal/tools/unfreeze"
	"github.com/golxc/golxc/internal/tools/unpriv"
	"github.com/golxc/golxc/internal/tools/unshare"
	"github.com/golxc/golxc/internal/tools/update-config"
	"github.com/golxc/golxc/internal/tools/usernsexec"
	"github.com/golxc/golxc/internal/tools/wait"
)

// Tools is every tool, sorted by name.
var Tools = []*cli.Tool{
	attachtool.Tool,
	autostarttool.Tool,
	cgrouptool.Tool,
	checkconfigtool.Tool,
	checkpointtool.Tool,
	configtool.Tool,
	consoletool.Tool,
	copytool.Tool,
	createtool.Tool,
	destroytool.Tool,
	devicetool.Tool,
	executetool.Tool,
	freezetool.Tool,
	infotool.Tool,
	lstool.Tool,
	monitortool.Tool,
	snapshottool.Tool,
	starttool.Tool,
	stoptool.Tool,
	toptool.Tool,
	unfreezetool.Tool,
	unprivtool.AttachTool,
	unprivtool.StartTool,
	unsharetool.Tool,
	updateconfigtool.Tool,
	usernsexectool.Tool,
	waittool.Tool,
}

// Find returns the tool called name ("lxc-start" or "start").
func Find(name string) *cli.Tool {
	for _, t := range Tools {
		if t.Name == name || t.Name == "lxc-"+name {
			return t
		}
	}
	return nil
}
