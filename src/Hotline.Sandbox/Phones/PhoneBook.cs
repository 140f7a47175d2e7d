using System.Collections.Concurrent;

namespace Hotline.Sandbox.Phones;

// Every phone number the sandbox has seen: how it behaves and what it received.
public sealed class PhoneBook
{
    private readonly ConcurrentDictionary<string, Phone> phones = new(StringComparer.Ordinal);

    public PhoneBehaviour BehaviourOf(string number) => Find(number)?.Behaviour ?? PhoneBehaviour.Default;

    public void SetBehaviour(string number, PhoneBehaviour behaviour) => Get(number).SetBehaviour(behaviour);

    public PhoneSnapshot? Snapshot(string number) => Find(number)?.Snapshot();

    public IReadOnlyList<PhoneSnapshot> All() =>
        phones.Values.Select(p => p.Snapshot()).OrderBy(p => p.Number, StringComparer.Ordinal).ToList();

    public IReadOnlyList<ReceivedSms> MessagesTo(string number) => Snapshot(number)?.Messages ?? [];

    public IReadOnlyList<PhoneCall> CallsOf(string number) => Snapshot(number)?.Calls ?? [];

    public void Reset() => phones.Clear();

    internal void AddSms(ReceivedSms sms) => Get(sms.To).Add(sms);

    internal void AddCall(string number, PhoneCall call) => Get(number).Add(call);

    internal RestFailure? TakeRestFailure(string number) => Find(number)?.TakeRestFailure();

    private Phone Get(string number) => phones.GetOrAdd(Normalize(number), n => new Phone(n));

    private Phone? Find(string number) => phones.GetValueOrDefault(Normalize(number));

    // Path segments may arrive as "8613800000001" or with a space where a "+" was form-decoded.
    public static string Normalize(string number)
    {
        var trimmed = number.Trim();
        return trimmed.Length > 0 && char.IsDigit(trimmed[0]) ? "+" + trimmed : trimmed;
    }

    private sealed class Phone(string number)
    {
        private readonly Lock gate = new();
        private readonly List<ReceivedSms> messages = [];
        private readonly List<PhoneCall> calls = [];
        private int restFailuresServed;

        public PhoneBehaviour Behaviour { get; private set; } = PhoneBehaviour.Default;

        public void SetBehaviour(PhoneBehaviour behaviour)
        {
            lock (gate)
            {
                Behaviour = behaviour;
                restFailuresServed = 0;
            }
        }

        public void Add(ReceivedSms sms)
        {
            lock (gate) messages.Add(sms);
        }

        public void Add(PhoneCall call)
        {
            lock (gate) calls.Add(call);
        }

        public RestFailure? TakeRestFailure()
        {
            lock (gate)
            {
                if (Behaviour.RestFailure is not { } failure || restFailuresServed >= failure.Times)
                {
                    return null;
                }

                restFailuresServed++;
                return failure;
            }
        }

        public PhoneSnapshot Snapshot()
        {
            lock (gate) return new PhoneSnapshot(number, Behaviour, messages.ToList(), calls.ToList());
        }
    }
}
