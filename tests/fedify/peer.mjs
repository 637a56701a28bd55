// A Fedify peer on loopback for the interoperability tests: one actor
// (`/users/peer`) with its own key and inbox, and a small control API the Rust tests
// drive:
//   GET  /control/ready              200 once listening
//   POST /control/lookup   {url}     what Fedify reads from an actor at `url`
//   POST /control/follow   {actor}   look the actor up and send it a Follow
//   POST /control/unfollow {actor}   send Undo(Follow)
//   POST /control/quote    {note}    post a note quoting `note` and send its author
//                                    a QuoteRequest (FEP-044f)
//   GET  /control/received           activities that reached the inbox (Fedify
//                                    verified their signatures), inbox errors, and
//                                    the GETs it answered with their signature scheme
// It also serves one post, `/@peer/1`, as a Note (what a Mastodon embed points at),
// and approves every QuoteRequest for it with a QuoteAuthorization at /stamps/N.
// Usage: node peer.mjs PORT [secure]
// With `secure` it runs like a server in "authorized fetch" mode: the actor and
// the post are served only to signed GETs (401 otherwise).
import http from "node:http";
import { createFederation, generateCryptoKeyPair, MemoryKvStore } from "@fedify/fedify";
import {
  Accept,
  Create,
  Delete,
  Endpoints,
  Follow,
  Note,
  Person,
  QuoteAuthorization,
  QuoteRequest,
  Undo,
  Update,
} from "@fedify/vocab";

const port = Number(process.argv[2]);
const secure = process.argv[3] === "secure";
const origin = `http://127.0.0.1:${port}`;
const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true });
const keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const received = [];
const errors = [];
const follows = new Map();
const gets = [];
const stamps = new Map();
const quotingNotes = new Map();
// In secure mode only signed requests (verified by Fedify) are answered.
const signedOnly = async (ctx) => !secure || (await ctx.getSignedKey()) != null;

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "peer") return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify peer",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === "peer" ? [keyPair] : []))
  .authorize(signedOnly);

federation
  .setObjectDispatcher(Note, "/@{identifier}/{id}", (ctx, values) => {
    if (values.identifier !== "peer") return null;
    if (quotingNotes.has(values.id)) return quotingNotes.get(values.id);
    if (values.id !== "1") return null;
    const id = ctx.getObjectUri(Note, values);
    return new Note({
      id,
      url: id,
      attribution: ctx.getActorUri("peer"),
      content: "<p>Ferries run again tonight, first boat at nine.</p>",
      to: new URL("https://www.w3.org/ns/activitystreams#Public"),
    });
  })
  .authorize(signedOnly);

federation.setObjectDispatcher(QuoteAuthorization, "/stamps/{id}", (_ctx, values) => stamps.get(values.id) ?? null);

// Every QuoteRequest is approved: a stamp naming the quoting post and ours, then
// an Accept carrying it back to the requester.
async function approveQuote(ctx, request) {
  const n = String(stamps.size + 1);
  const stamp = new QuoteAuthorization({
    id: ctx.getObjectUri(QuoteAuthorization, { id: n }),
    attribution: ctx.getActorUri("peer"),
    interactingObject: request.instrumentId,
    interactionTarget: request.objectId,
  });
  stamps.set(n, stamp);
  const requester = await request.getActor();
  const accept = new Accept({
    id: new URL(`${origin}/accepts/${n}`),
    actor: ctx.getActorUri("peer"),
    object: request,
    result: stamp.id,
  });
  await ctx.sendActivity({ identifier: "peer" }, requester, accept);
  received.push({
    type: "QuoteRequest",
    id: request.id?.href ?? null,
    actor: request.actorId?.href ?? null,
    objectId: request.objectId?.href ?? null,
    instrumentId: request.instrumentId?.href ?? null,
    stampId: stamp.id.href,
  });
}

const record = (type) => async (_ctx, activity) => {
  let object = null;
  let stamp = null;
  // An Accept's object is our own Follow, which this peer does not serve: Fedify
  // would fetch it to check an object embedded from another origin.
  if (type !== "Accept") {
    try {
      object = await activity.getObject();
    } catch (error) {
      errors.push(`getObject: ${error}`);
    }
  } else if (activity.resultId) {
    // An Accept of our QuoteRequest: dereference the authorization it carries.
    try {
      stamp = await activity.getResult();
    } catch (error) {
      errors.push(`getResult: ${error}`);
    }
  }
  received.push({
    type,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    objectId: object?.id?.href ?? activity.objectId?.href ?? null,
    content: object?.content?.toString() ?? null,
    tags: object ? await tagsOf(object) : [],
    attachments: object ? await attachmentsOf(object) : [],
    to: object?.toIds?.map((u) => u.href) ?? [],
    cc: object?.ccIds?.map((u) => u.href) ?? [],
    resultId: activity.resultId?.href ?? null,
    stamp: stamp
      ? {
          type: stamp.constructor.name,
          attributedTo: stamp.attributionId?.href ?? null,
          interactingObject: stamp.interactingObjectId?.href ?? null,
          interactionTarget: stamp.interactionTargetId?.href ?? null,
        }
      : null,
  });
};

async function tagsOf(object) {
  const tags = [];
  try {
    for await (const tag of object.getTags?.() ?? []) {
      tags.push({ type: tag.constructor.name, name: tag.name?.toString() ?? null, href: tag.href?.href ?? null });
    }
  } catch (error) {
    errors.push(`getTags: ${error}`);
  }
  return tags;
}

async function attachmentsOf(object) {
  const attachments = [];
  try {
    for await (const attachment of object.getAttachments?.() ?? []) {
      attachments.push({
        type: attachment.constructor.name,
        mediaType: attachment.mediaType ?? null,
        url: attachment.url?.href ?? null,
      });
    }
  } catch (error) {
    errors.push(`getAttachments: ${error}`);
  }
  return attachments;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(QuoteRequest, approveQuote)
  .on(Accept, record("Accept"))
  .on(Create, record("Create"))
  .on(Update, record("Update"))
  .on(Delete, record("Delete"))
  .onError(async (_ctx, error) => {
    errors.push(String(error));
  });

const context = () => federation.createContext(new URL(origin), undefined);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function control(req, body) {
  const url = new URL(req.url, origin);
  const input = body.length ? JSON.parse(body.toString()) : {};
  const ctx = context();
  switch (url.pathname) {
    case "/control/ready":
      return { ready: true };
    case "/control/received":
      return { received, errors, gets };
    case "/control/lookup": {
      const actor = await ctx.lookupObject(input.url);
      if (!actor) return { found: false };
      const key = await actor.getPublicKey();
      const icon = await actor.getIcon();
      const image = await actor.getImage();
      const fields = [];
      for await (const attachment of actor.getAttachments()) fields.push(attachment.name?.toString());
      return {
        iconUrl: icon?.url?.href,
        iconMediaType: icon?.mediaType,
        imageUrl: image?.url?.href,
        featured: actor.featuredId?.href,
        fields,
        found: true,
        id: actor.id?.href,
        type: actor.constructor.name,
        preferredUsername: actor.preferredUsername?.toString(),
        name: actor.name?.toString(),
        inbox: actor.inboxId?.href,
        sharedInbox: actor.endpoints?.sharedInbox?.href,
        outbox: actor.outboxId?.href,
        followers: actor.followersId?.href,
        manuallyApprovesFollowers: actor.manuallyApprovesFollowers,
        discoverable: actor.discoverable,
        publicKeyId: key?.id?.href,
        publicKeyOwner: key?.ownerId?.href,
      };
    }
    case "/control/follow": {
      const target = await ctx.lookupObject(input.actor);
      if (!target) throw new Error(`cannot look up ${input.actor}`);
      const follow = new Follow({
        id: new URL(`${origin}/follows/${follows.size + 1}`),
        actor: ctx.getActorUri("peer"),
        object: target.id,
      });
      follows.set(input.actor, follow);
      await ctx.sendActivity({ identifier: "peer" }, target, follow);
      return { followId: follow.id.href };
    }
    case "/control/unfollow": {
      const target = await ctx.lookupObject(input.actor);
      const follow = follows.get(input.actor);
      const undo = new Undo({
        id: new URL(`${origin}/undos/${Date.now()}`),
        actor: ctx.getActorUri("peer"),
        object: follow,
      });
      await ctx.sendActivity({ identifier: "peer" }, target, undo);
      return { undone: follow.id.href };
    }
    case "/control/quote": {
      const target = await ctx.lookupObject(input.note);
      if (!target) throw new Error(`cannot look up ${input.note}`);
      const n = `q${quotingNotes.size + 1}`;
      const quoting = new Note({
        id: ctx.getObjectUri(Note, { identifier: "peer", id: n }),
        attribution: ctx.getActorUri("peer"),
        content: "<p>Worth reading.</p>",
        quote: target.id,
        to: new URL("https://www.w3.org/ns/activitystreams#Public"),
      });
      quotingNotes.set(n, quoting);
      const author = await target.getAttribution();
      const request = new QuoteRequest({
        id: new URL(`${origin}/quote-requests/${n}`),
        actor: ctx.getActorUri("peer"),
        object: target.id,
        instrument: quoting,
      });
      await ctx.sendActivity({ identifier: "peer" }, author, request);
      return { requestId: request.id.href, quotingId: quoting.id.href };
    }
    default:
      return null;
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const body = await readBody(req);
    if (req.url.startsWith("/control/")) {
      const result = await control(req, body);
      res.writeHead(result ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(result ?? { error: "no such control" }));
      return;
    }
    const request = new Request(new URL(req.url, origin), {
      method: req.method,
      headers: req.headers,
      body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
    });
    const response = await federation.fetch(request, { contextData: undefined });
    if (req.method === "GET") {
      const scheme = req.headers["signature-input"] ? "rfc9421" : req.headers.signature ? "cavage" : "none";
      gets.push({ path: req.url, scheme, status: response.status });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    errors.push(String(error?.stack ?? error));
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: String(error) }));
  }
});
server.listen(port, "127.0.0.1", () => console.log(`fedify peer on ${origin}`));
