// The extraction child the extract tests start (the server starts `sluice extract-child`).
#include "extract/sandbox.h"

int main(int argc, char** argv) { return sluice::extract::RunExtractChild(argc, argv); }
