namespace Hotline.Sandbox.Phones;

// Via: "rest" (Messages.json) or "twiml" (a <Message> reply to an inbound SMS).
public sealed record ReceivedSms(string Sid, string From, string To, string Body, DateTimeOffset At, string Via);

// Role: "rang" (the phone was called) or "placed" (the phone called the hotline).
public sealed record PhoneCall(
    string CallSid,
    string Role,
    string OtherParty,
    DateTimeOffset At,
    string Status,
    int DurationSeconds,
    IReadOnlyList<string> Said,
    string DigitsPressed);

public sealed record PhoneSnapshot(
    string Number,
    PhoneBehaviour Behaviour,
    IReadOnlyList<ReceivedSms> Messages,
    IReadOnlyList<PhoneCall> Calls);

public sealed record PhoneSummary(string Number, int Messages, int Calls, AnswerMode Answer);
