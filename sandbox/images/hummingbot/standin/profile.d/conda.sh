# Stand-in for conda's shell hook in the official image (continuumio/miniconda3): only what the
# official CMD uses, `conda activate ENV`, for the venv at conda's env path. Sandbox image only.
conda() {
    if [ "${1:-}" = activate ] && [ -f "/opt/conda/envs/${2:-}/bin/activate" ]; then
        VIRTUAL_ENV_DISABLE_PROMPT=1 . "/opt/conda/envs/$2/bin/activate"
    else
        echo "conda (sandbox stand-in): only 'conda activate ENV' for an env under /opt/conda/envs" >&2
        return 1
    fi
}
