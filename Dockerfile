# RuLA KG service image, in two stages: a builder (dependencies in a virtual environment, the web interface's
# libraries, the store built from the sources) and a slim runtime that copies the result and runs as a non-root user.
#   docker build -t rulakg .      docker compose up --build      (see the README's "Deployment")

FROM python:3.11-slim AS builder
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH RULAKG_STORE_DIR=/var/lib/rulakg/store
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY src ./src
# The web interface's libraries (npm registry tarballs pinned and integrity-checked by the lock file).
RUN PYTHONPATH=src python -m rulakg.ui.vendor && pip install .
COPY ontology ./ontology
COPY data ./data
COPY queries ./queries
# The guide (/docs/guide) is built with the store from these; the citation and licences travel with the data.
COPY mkdocs.yml CITATION.cff CHANGELOG.md LICENSE ./
COPY docs ./docs
RUN rulakg build

FROM python:3.11-slim AS runtime
# The sources stay in the image (same paths as in the builder, so the build's input hash matches): `rulakg serve`
# rebuilds only when they change, and `rulakg build --target URL` (the Virtuoso profile's loader) finds the build
# up to date and only loads it.
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PATH=/opt/venv/bin:$PATH \
    RULAKG_HOST=0.0.0.0 RULAKG_PORT=8000 RULAKG_STORE_DIR=/var/lib/rulakg/store
RUN groupadd --system --gid 10001 rulakg \
    && useradd --system --uid 10001 --gid rulakg --home-dir /app --shell /usr/sbin/nologin rulakg \
    && mkdir -p /var/lib/rulakg /app/var \
    && chown rulakg:rulakg /var/lib/rulakg /app/var
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
COPY --from=builder --chown=rulakg:rulakg /var/lib/rulakg/store /var/lib/rulakg/store
USER rulakg
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
CMD ["rulakg", "serve"]
