import { isDatabaseUnavailable } from "./unavailable.js";

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

test("a server going away or not up yet, a cut or refused socket, and pg's ended-connection errors are unavailability", () => {
  for (const err of [
    withCode("57P01", "terminating connection due to administrator command"),
    withCode("57P03", "the database system is starting up"),
    withCode("08006"), withCode("53300"),
    withCode("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"), withCode("ECONNRESET"),
    new Error("Connection terminated unexpectedly"),
    new Error("Client has encountered a connection error and is not queryable"),
    new Error("timeout exceeded when trying to connect"),
  ]) expect({ message: err.message, unavailable: isDatabaseUnavailable(err) }).toEqual({ message: err.message, unavailable: true });
});

test("errors of a statement, and anything else, are not", () => {
  for (const err of [withCode("23505", "duplicate key"), withCode("42P01", "relation does not exist"), withCode("57014", "canceling statement due to statement timeout"), new Error("boom"), "ECONNREFUSED", null, undefined]) {
    expect(isDatabaseUnavailable(err)).toBe(false);
  }
});
