# RuLA KG service image: builds the store at image build time and serves it.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 \
    RULAKG_HOST=0.0.0.0 RULAKG_PORT=8000 RULAKG_STORE_DIR=/var/lib/rulakg/store
COPY pyproject.toml README.md ./
COPY src ./src
# The web interface's libraries (npm registry tarballs pinned and integrity-checked by the lock file).
RUN PYTHONPATH=src python -m rulakg.ui.vendor && pip install .
COPY ontology ./ontology
COPY data ./data
COPY queries ./queries
RUN rulakg build
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
CMD ["rulakg", "serve"]
