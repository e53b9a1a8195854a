package main

import "os/exec"

func run(tool string) string {
	out, _ := exec.Command(tool, "--version").Output()
	return string(out)
}
