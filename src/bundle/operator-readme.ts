/**
 * README.txt of every bundle: for the operator who receives only the archive. Plain ASCII text,
 * short lines (80 columns with a short app name), no markup: what the bundle is, how to check it, install, upgrade, roll back, and
 * where state lives. Pure (the bundle writer adds it as a file like any other).
 */

export const OPERATOR_README = "README.txt";

export interface OperatorReadmeInput {
  name: string;
  version: string;
  entry: string | null;
  /** The target spec, e.g. linux-x86_64@3.11 or manylinux_2_17_x86_64@3.11. */
  target: string;
  state: string[];
  /** The bundle carries SHA256SUMS.sig. */
  signed?: boolean;
}

export function operatorReadme(b: OperatorReadmeInput): string {
  const python = b.target.split("@")[1] ?? "3";
  const minor = python.split(".").slice(0, 2).join(".");
  const dest = `/srv/${b.name}`;
  const lines = [
    `${b.name} ${b.version} - offline bundle for ${b.target}`,
    "",
    "This directory is a complete, offline installation kit made by",
    "wheelbarrow: the application, every Python package it needs (wheels/)",
    "and an installer that uses only the Python standard library. Nothing",
    "is downloaded during the install.",
    "",
    "1. CHECK",
    "   sha256sum -c SHA256SUMS        (every line must say OK)",
    ...(b.signed
      ? [
          "   ssh-keygen -Y verify -f allowed_signers -I BUILDER -n wheelbarrow \\",
          "       -s SHA256SUMS.sig < SHA256SUMS   (signed: must say Good)",
          "   allowed_signers and BUILDER come from the builder, not from this",
          "   bundle; ./install.sh --allowed-signers allowed_signers checks it too.",
        ]
      : []),
    "",
    "2. INSTALL (needs Python " + minor + " on this machine: python" + minor + ")",
    `   ./install.sh ${dest}             (Windows: .\\install.ps1 C:\\apps\\${b.name})`,
    `   ./install.sh ${dest} --check     (changes nothing; says what would happen)`,
    "   Add --json for a machine-readable answer.",
    "",
    `   ${dest}/current      the running release (a link into releases/)`,
    `   ${dest}/releases/    one directory per installed bundle`,
    `   ${dest}/shared/      YOUR files: .env and the application's state;`,
    "                        never touched by an install, upgrade or rollback",
  ];
  if (b.entry) lines.push(`   ${dest}/bin/${b.name}   starts the application with shared/.env loaded`);
  lines.push(
    "",
    "3. UPGRADE",
    `   Unpack the newer bundle anywhere and run its ./install.sh ${dest}`,
    "   The new release is installed beside the old one, then 'current' is",
    "   switched. Running processes keep the release they started with:",
    `   restart the service to run the new one (systemctl restart ${b.name}).`,
    "   Running the same bundle again checks the install and reports any",
    "   change to its files; --repair reinstalls it.",
    "",
    "4. ROLL BACK",
    `   python3 ${dest}/install.py rollback ${dest}`,
    "        switches back to the previous release (--to VERSION: another one)",
    `   python3 ${dest}/install.py releases ${dest}`,
    "        lists the installed releases and their packages",
    `   python3 ${dest}/install.py verify ${dest}`,
    "        checks the current release against what was installed",
    `   python3 ${dest}/install.py prune ${dest} --keep 3`,
    "        removes old releases (never the current or the previous one)",
    "",
    "5. SETTINGS AND STATE",
    `   Put KEY=value lines in ${dest}/shared/.env (chmod 600). They are read`,
    "   by Python, never run by a shell: quotes work, $(...) is just text.",
  );
  if (b.state.length > 0) {
    lines.push("   These application paths live in shared/ and survive every release:");
    for (const s of b.state) lines.push(`     app/${s}  ->  shared/${s}`);
  }
  if (b.entry) {
    lines.push("", "6. AS A SERVICE", `   python3 ${dest}/install.py unit ${dest} --user ${b.name}`, "   prints a systemd unit; save it as /etc/systemd/system/" + b.name + ".service");
  }
  lines.push("", "Errors print error[CODE] and a hint; exit status 1 means the bundle,", "the machine or an argument needs attention.", "");
  return lines.join("\n");
}
