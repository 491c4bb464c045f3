package container

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/lxcpath"
)

// EphemeralMarker is the file a monitor keeps in the directory of an
// ephemeral container (lxc.ephemeral = 1) from the start until the
// container is destroyed at its stop. Found with no monitor running, it
// means the monitor died (kill -9, a crash, a reboot of the host) before
// it could destroy the container: the next lxc-start of that container
// or lxc-ls of its lxcpath destroys it then, as its stop would have.
const EphemeralMarker = ".golxc-ephemeral-running"

// MarkEphemeralRunning records that an ephemeral container is running.
func MarkEphemeralRunning(ref Ref) error {
	p := filepath.Join(ref.Dir(), EphemeralMarker)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|noFollow, 0o600)
	if err != nil {
		return fmt.Errorf("mark ephemeral container running: %w", err)
	}
	return f.Close()
}

// ClearEphemeralMarker removes the marker (a start that failed before the
// container ran: the container is kept, as after any failed start).
func ClearEphemeralMarker(ref Ref) {
	os.Remove(filepath.Join(ref.Dir(), EphemeralMarker))
}

// DestroyEphemeral destroys an ephemeral container that just stopped; its
// monitor calls it while it still holds the command socket, so that
// whoever waits for the stop finds the container gone.
func DestroyEphemeral(ref Ref, warn func(string)) error {
	lock, err := lxcpath.LockContainer(ref.LXCPath, ref.Name, 10*time.Second, nil)
	if err != nil {
		return fmt.Errorf("lock %s: %w", ref.Name, err)
	}
	defer lock.Unlock()
	return destroyStoppedLocked(ref, lxcpath.ConfigPath(ref.LXCPath, ref.Name), DestroyOptions{Warn: warn}, true)
}

// ReapStaleEphemeral destroys an ephemeral container whose monitor died
// without destroying it (its marker is there, no monitor answers). It
// reports whether it did; a container that is busy (locked by another
// tool) is left for later.
func ReapStaleEphemeral(ref Ref, warn func(string)) (bool, error) {
	marker := filepath.Join(ref.Dir(), EphemeralMarker)
	if _, err := os.Lstat(marker); err != nil {
		return false, nil
	}
	if ctl.IsRunning(ref.LXCPath, ref.Name) {
		return false, nil
	}
	lock, err := lxcpath.LockContainer(ref.LXCPath, ref.Name, 0, nil)
	if err != nil {
		return false, nil
	}
	defer lock.Unlock()
	// Checked again under the lock: a start may have begun meanwhile.
	if _, err := os.Lstat(marker); err != nil || ctl.IsRunning(ref.LXCPath, ref.Name) {
		return false, nil
	}
	if err := destroyLocked(ref, lxcpath.ConfigPath(ref.LXCPath, ref.Name), DestroyOptions{Warn: warn}, true); err != nil {
		return false, fmt.Errorf("remove ephemeral container %s left by a monitor that died: %w", ref.Name, err)
	}
	return true, nil
}
