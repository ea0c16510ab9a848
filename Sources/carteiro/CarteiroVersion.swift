/// The release `carteiro --version` prints: raised with each issue's release (0.13 for issue 13).
let CarteiroVersion = "0.13.0"
