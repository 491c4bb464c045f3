package runner

import (
	"github.com/golxc/golxc/internal/container"
	"github.com/golxc/golxc/internal/lxcpath"
)

// An ephemeral container (lxc.ephemeral = 1) is destroyed when it stops,
// as LXC does. The monitor marks it while it runs (so that a monitor that
// dies leaves a sign for lxc-start and lxc-ls to clean up after it), and
// destroys it after the teardown of its last boot, before it reports
// STOPPED: whoever waits for the stop finds it gone.

// ephemeralRef is the container this monitor would destroy at its stop,
// or nil: not ephemeral, or not a container of the lxcpath (started from
// an rcfile alone).
func (m *Monitor) ephemeralRef() *container.Ref {
	if !m.cfg.Ephemeral || !lxcpath.Defined(m.spec.LXCPath, m.spec.Name) {
		return nil
	}
	return &container.Ref{LXCPath: m.spec.LXCPath, Name: m.spec.Name}
}

// ephemeralStarting marks an ephemeral container as running.
func (m *Monitor) ephemeralStarting() {
	if r := m.ephemeralRef(); r != nil {
		if err := container.MarkEphemeralRunning(*r); err != nil {
			m.log.Warnf("%v", err)
		}
	}
}

// ephemeralStartFailed unmarks it: a start that failed keeps the container.
func (m *Monitor) ephemeralStartFailed() {
	if r := m.ephemeralRef(); r != nil {
		container.ClearEphemeralMarker(*r)
	}
}

// ephemeralStopped destroys an ephemeral container after its teardown.
func (m *Monitor) ephemeralStopped() {
	r := m.ephemeralRef()
	if r == nil {
		return
	}
	if err := container.DestroyEphemeral(*r, func(s string) { m.log.Warnf("%s", s) }); err != nil {
		m.log.Errorf("destroy ephemeral container: %v", err)
		return
	}
	m.log.Infof("ephemeral container destroyed")
}
