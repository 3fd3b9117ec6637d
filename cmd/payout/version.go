package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/payoutkit/payout"
)

// versionJSON is the -json form of version.
type versionJSON struct {
	Version  string `json:"version"`
	Go       string `json:"go"`
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"`
}

// cmdVersion prints the SDK version this tool is built from, the Go
// version, and the VCS revision when the binary records one.
func cmdVersion(a *app, args []string) error {
	if _, err := a.parseFlags(flag.NewFlagSet("version", flag.ContinueOnError), args); err != nil {
		return err
	}
	v := versionJSON{Version: payout.Version, Go: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if a.opts.json {
		return writeJSON(a.stdout, v)
	}
	line := fmt.Sprintf("payout %s (%s", v.Version, v.Go)
	if v.Revision != "" {
		line += ", revision " + v.Revision
		if v.Modified {
			line += "+modified"
		}
	}
	_, err := fmt.Fprintln(a.stdout, line+")")
	return err
}
