# The image of the docker-compose demo: the library, its CLI and the examples.
# The examples run from TypeScript through tsx, so dev dependencies are installed.
FROM node:20-slim

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lua ./lua
COPY src ./src
COPY examples ./examples
RUN npm run build

USER node
ENV NODE_ENV=production
CMD ["node", "dist/cli/main.js", "--help"]
